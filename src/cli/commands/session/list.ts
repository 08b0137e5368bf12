import type { Command } from 'commander';
import type { ExecSessionJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { ago, printJson, printTable } from '../../output.js';

const MAX_COMMAND_SHOWN = 40;

function state(session: ExecSessionJson): string {
  if (session.is_active) return session.attached_clients > 0 ? `running, ${session.attached_clients} attached` : 'running';
  return `exited ${String(session.exit_code ?? '?')}`;
}

function shortCommand(command: string): string {
  return command.length > MAX_COMMAND_SHOWN ? `${command.slice(0, MAX_COMMAND_SHOWN - 1)}…` : command;
}

/** Lists a sprite's sessions: `hob sessions [NAME]` and `hob sessions list [NAME]`. */
export async function listSessions(ctx: CliContext, name: string, json: boolean): Promise<void> {
  const { sessions } = await ctx.client().listSessions(name);
  if (json) {
    printJson(sessions);
    return;
  }
  if (sessions.length === 0) {
    process.stdout.write(`no sessions in ${name}; \`hob console\` and \`hob exec --tty\` start one\n`);
    return;
  }
  const now = Date.now();
  printTable(
    ['ID', 'COMMAND', 'STATE', 'TTY', 'CREATED', 'LAST ACTIVITY'],
    sessions.map((s) => [s.id, shortCommand(s.command), state(s), s.tty ? 'yes' : 'no', ago(s.created, now), ago(s.last_activity, now)]),
  );
}

export function registerSessionList(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('list [name]')
    .alias('ls')
    .description("list a sprite's sessions, running and recently ended")
    .option('--json', 'print JSON')
    .action(async (nameArg: string | undefined, flags: { json?: boolean }) => {
      // `hob sessions` takes --json itself, so commander hands it to the group wherever it is written.
      const json = flags.json === true || group.opts().json === true;
      await listSessions(ctx, ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)), json); // global -s option, a string
    });
}
