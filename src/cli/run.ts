import { Command, CommanderError } from 'commander';
import { HOB_VERSION } from '../shared/version.js';
import { CliContext, type ClientFactory } from './context.js';
import { reportError } from './output.js';
import { ExitCode } from './exit-codes.js';
import { modulesFor, type CommandModule } from './commands/module.js';

/**
 * The CLI: global options, the commands of `table` that the command line needs, then commander's
 * parse. Errors end here: a usage problem as commander printed it, anything else by reportError.
 */
export async function runCli(argv: string[], table: readonly CommandModule[], makeClient: ClientFactory | undefined): Promise<void> {
  const ctx = new CliContext(process.env, process.cwd(), makeClient);
  const program = new Command('hob')
    .description('Hob: persistent, isolated Linux sandboxes on your own machine')
    .version(HOB_VERSION)
    .option('-s, --sprite <name>', 'the sprite to act on (default: the nearest .hob file)')
    .exitOverride()
    .showSuggestionAfterError();
  const modules = modulesFor(argv.slice(2), table);
  for (const register of await Promise.all(modules.map((module) => module.load()))) register(program, ctx);
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
