import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { SessionKillEventJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';

function describe(event: SessionKillEventJson): string {
  if (event.type === 'complete') return `session ended with exit code ${String(event.exit_code ?? '?')}`;
  return event.message ?? event.type;
}

export function registerSessionKill(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('kill <id>')
    .description('end a session: a signal (default TERM), then KILL if it has not exited within the timeout')
    .option('--signal <signal>', 'the signal to send first: TERM, INT, HUP, KILL, …')
    .option('--timeout <duration>', 'how long to wait before KILL, e.g. 10s (the default) or 1m')
    .action(async (id: string, flags: { signal?: string; timeout?: string }) => {
      const name = ctx.sprite(program.opts().sprite as string | undefined); // global -s option, a string
      const last = await ctx.client().killSession(name, id, flags, (event) => process.stdout.write(`${describe(event)}\n`));
      if (last?.type === 'error') throw new HobError('agent_error', `killing session ${id} failed: ${last.message ?? 'no reason given'}`);
      if (last?.type !== 'complete') throw new HobError('sprite_unavailable', `the kill of session ${id} ended without a result; \`hob sessions\` shows whether it still runs`);
    });
}
