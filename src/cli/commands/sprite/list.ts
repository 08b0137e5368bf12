import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

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
      printTable(
        ['NAME', 'STATUS', 'IMAGE', 'CREATED'],
        sprites.map((s) => [s.name, s.status, s.image, s.created_at]),
      );
    });
}
