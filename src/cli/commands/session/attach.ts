import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { finishOutcome, runExecStream } from '../../exec-stream.js';

/**
 * `hob attach [SPRITE] ID`: back into a session, its recent output first; Ctrl+\ detaches again.
 * The session's mode comes from its first message, so a non-TTY session attaches too.
 */
export function registerAttach(program: Command, ctx: CliContext): void {
  program
    .command('attach <sprite-or-id> [id]')
    .description('reattach to a session (hob sessions lists them), its recent output first; Ctrl+\\ detaches again')
    .action(async (first: string, second: string | undefined) => {
      const [nameArg, id] = second === undefined ? [program.opts().sprite as string | undefined, first] : [first, second]; // global -s option, a string
      const name = ctx.sprite(nameArg);
      const ws = await ctx.client().openAttach(name, id);
      const outcome = await runExecStream(ws, { tty: 'session', stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, detachable: true, forwardStdinEnd: false });
      process.exitCode = finishOutcome(outcome, name, process.stderr);
    });
}
