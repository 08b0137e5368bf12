import type { Command } from 'commander';
import { openExec } from '../../../client/exec.js';
import { HobError } from '../../../shared/errors.js';
import { DEFAULT_TTY_COLS, DEFAULT_TTY_ROWS, type ExecRequest } from '../../../shared/exec-request.js';
import type { CliContext } from '../../context.js';
import { finishOutcome, runExecStream } from '../../exec-stream.js';

function parseEnv(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    for (const pair of value.split(',')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new HobError('bad_request', `--env takes KEY=VALUE pairs, got ${JSON.stringify(pair)}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/**
 * Runs a command in a sprite over a WebSocket exec and resolves with its exit code. With a TTY
 * the command is a session: Ctrl+\ detaches, leaving it running (exit status 0).
 */
export async function execInSprite(ctx: CliContext, name: string, cmd: string[], options: { tty: boolean; dir?: string; env: Record<string, string> }): Promise<number> {
  const tty = options.tty;
  // Local environment stays local; only the terminal's own variables travel with a TTY.
  const env = tty ? { ...ctx.environment.terminalEnv, ...options.env } : options.env;
  const request: ExecRequest = {
    cmd,
    env,
    dir: options.dir,
    tty,
    rows: (tty && process.stdout.rows) || DEFAULT_TTY_ROWS,
    cols: (tty && process.stdout.columns) || DEFAULT_TTY_COLS,
    stdin: true,
  };
  const ws = await openExec(ctx.connection(), name, request);
  const outcome = await runExecStream(ws, { tty, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, detachable: tty, forwardStdinEnd: true });
  return finishOutcome(outcome, name, process.stderr);
}

export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .alias('x')
    .description('run a command in a sprite: hob exec [-s NAME] [--tty] -- cmd args…')
    .argument('<cmd...>', 'the command and its arguments (put them after --)')
    .option('--dir <path>', 'working directory in the sprite')
    .option('--tty', 'allocate a terminal (interactive programs); it is a session: Ctrl+\\ detaches and leaves it running')
    .option('--env <K=V,...>', 'environment variables for the command (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .action(async (cmd: string[], flags: { dir?: string; tty?: boolean; env: string[] }) => {
      const name = ctx.sprite(program.opts().sprite as string | undefined); // global -s option, a string
      const code = await execInSprite(ctx, name, cmd, { tty: flags.tty === true, dir: flags.dir, env: parseEnv(flags.env) });
      process.exitCode = code;
    });
}
