import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { ago, printJson, printTable } from '../../output.js';

export function registerList(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .alias('ls')
    .description('list sprites')
    .option('--prefix <prefix>', 'only sprites whose name starts with this')
    .option('--json', 'print JSON')
    .action(async (flags: { prefix?: string; json?: boolean }) => {
      const sprites = await ctx.client().listAllSprites(flags.prefix);
      if (flags.json === true) {
        printJson(sprites);
        return;
      }
      if (sprites.length === 0) {
        process.stdout.write('no sprites; create one with `hob create NAME`\n');
        return;
      }
      const now = Date.now();
      printTable(
        ['NAME', 'STATUS', 'ACTIVE', 'IMAGE', 'CREATED'],
        sprites.map((s) => [s.name, s.status, lastActive(s.status, s.last_running_at, now), s.image, s.created_at]),
      );
    });
}

/** When it was last awake: `now` while running, else how long ago it went to sleep. */
function lastActive(status: string, lastRunningAt: string | null, now: number): string {
  if (status === 'running') return 'now';
  if (lastRunningAt === null) return 'never';
  return ago(lastRunningAt, now);
}
