import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { selectedSprite } from './shared.js';

export function registerCheckpointDelete(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('delete <id>')
    .alias('rm')
    .description('delete a checkpoint (not the one the sprite currently derives from)')
    .action(async (id: string) => {
      const name = selectedSprite(program, ctx);
      await ctx.client().deleteCheckpoint(name, id);
      process.stdout.write(`deleted checkpoint ${id} of ${name}\n`);
    });
}
