import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';

/** `hob fork <source> <new-name>`: a copy-on-write copy of a sprite, now or at one of its checkpoints. */
export function registerFork(program: Command, ctx: CliContext): void {
  program
    .command('fork <source> <new-name>')
    .description('create a sprite as a copy-on-write fork of another (its files now, or at a checkpoint)')
    .option('--checkpoint <id>', 'fork this checkpoint of <source> instead of its current files')
    .option('--json', 'print the new sprite as JSON')
    .action(async (source: string, newName: string, flags: { checkpoint?: string; json?: boolean }) => {
      const sourceName = ctx.sprite(source); // validates the name
      const sprite = await ctx.client().forkSprite(newName, flags.checkpoint === undefined ? { sprite: sourceName } : { sprite: sourceName, checkpoint: flags.checkpoint });
      if (flags.json === true) {
        printJson(sprite);
        return;
      }
      const from = flags.checkpoint === undefined ? sourceName : `${sourceName} at checkpoint ${flags.checkpoint}`;
      process.stdout.write(`forked sprite ${sprite.name} from ${from} (${sprite.image}, ${sprite.status})\n`);
    });
}
