import { Command, CommanderError } from 'commander';
import { HOB_VERSION } from '../shared/version.js';
import { CliContext } from './context.js';
import { reportError } from './output.js';
import { ExitCode } from './exit-codes.js';
import { registerServe } from './commands/serve.js';
import { registerCreate } from './commands/sprite/create.js';
import { registerList } from './commands/sprite/list.js';
import { registerInfo } from './commands/sprite/info.js';
import { registerDestroy } from './commands/sprite/destroy.js';
import { registerSleep } from './commands/sprite/sleep.js';
import { registerExec } from './commands/sprite/exec.js';
import { registerConsole } from './commands/sprite/console.js';
import { registerUse } from './commands/sprite/use.js';
import { registerImage } from './commands/image/index.js';
import { registerCheckpoint, registerRestore } from './commands/checkpoint/index.js';
import { registerFork } from './commands/sprite/fork.js';
import { registerPorts } from './commands/ports/index.js';
import { registerUrl } from './commands/url/index.js';
import { registerProxy } from './commands/proxy/index.js';
import { registerPolicy } from './commands/policy/index.js';
import { registerToken } from './commands/token/index.js';
import { registerAttach, registerSessions } from './commands/session/index.js';
import { registerUsage } from './commands/usage/index.js';
import { registerLimits } from './commands/limits/index.js';
import { registerCp } from './commands/cp/index.js';
import { registerServices } from './commands/services/index.js';

export async function main(argv: string[]): Promise<void> {
  const ctx = new CliContext(process.env, process.cwd());
  const program = new Command('hob')
    .description('Hob: persistent, isolated Linux sandboxes on your own machine')
    .version(HOB_VERSION)
    .option('-s, --sprite <name>', 'the sprite to act on (default: the nearest .hob file)')
    .exitOverride()
    .showSuggestionAfterError();
  registerServe(program);
  registerCreate(program, ctx);
  registerList(program, ctx);
  registerInfo(program, ctx);
  registerDestroy(program, ctx);
  registerSleep(program, ctx);
  registerExec(program, ctx);
  registerConsole(program, ctx);
  registerSessions(program, ctx);
  registerAttach(program, ctx);
  registerUse(program, ctx);
  registerImage(program, ctx);
  registerCheckpoint(program, ctx);
  registerRestore(program, ctx);
  registerFork(program, ctx);
  registerPorts(program, ctx);
  registerUrl(program, ctx);
  registerProxy(program, ctx);
  registerPolicy(program, ctx);
  registerLimits(program, ctx);
  registerUsage(program, ctx);
  registerToken(program, ctx);
  registerCp(program, ctx);
  registerServices(program, ctx);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the usage problem (or the help or version asked for).
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    process.exitCode = reportError(error);
  }
}

void main(process.argv);
