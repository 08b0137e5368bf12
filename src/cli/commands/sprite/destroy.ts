import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { CliContext } from '../../context.js';

export function registerDestroy(program: Command, ctx: CliContext): void {
  program
    .command('destroy [name]')
    .description('destroy a sprite and everything in it')
    .option('--force', 'do not ask for confirmation')
    .action(async (nameArg: string | undefined, flags: { force?: boolean }) => {
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      if (flags.force !== true) {
        if (!process.stdin.isTTY) throw new HobError('bad_request', `destroying ${name} deletes its data; pass --force to confirm`);
        const { createInterface } = await import('node:readline/promises');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`Destroy sprite ${name} and all its data? Type its name to confirm: `);
        rl.close();
        if (answer.trim() !== name) throw new HobError('bad_request', 'not confirmed; nothing was destroyed');
      }
      await ctx.client().deleteSprite(name);
      process.stdout.write(`destroyed sprite ${name}\n`);
    });
}
