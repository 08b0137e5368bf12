import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerSessionKill } from './kill.js';
import { listSessions, registerSessionList } from './list.js';

export { registerAttach } from './attach.js';

/**
 * `hob sessions [NAME]` lists; `hob sessions list|kill …`. Sessions are TTY (and detachable)
 * execs that outlive their client: `hob console` and `hob exec --tty` start them.
 */
export function registerSessions(program: Command, ctx: CliContext): void {
  const group = program
    .command('sessions')
    .alias('session')
    .description('list the sprite’s sessions (consoles and TTY execs that keep running after you detach); kill one')
    .argument('[name]', 'the sprite (default: -s, or the nearest .hob file)')
    .option('--json', 'print JSON')
    .action(async (nameArg: string | undefined, flags: { json?: boolean }) => {
      await listSessions(ctx, ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)), flags.json === true); // global -s option, a string
    });
  registerSessionList(group, program, ctx);
  registerSessionKill(group, program, ctx);
}
