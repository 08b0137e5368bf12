import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HobError } from '../../../shared/errors.js';
import { assertValidName } from '../../../shared/names.js';
import { SPRITE_FILE, writeSpriteFile } from '../../config.js';
import type { CliContext } from '../../context.js';

export function registerUse(program: Command, ctx: CliContext): void {
  program
    .command('use [name]')
    .description(`make commands run in this directory act on a sprite (writes ${SPRITE_FILE})`)
    .option('--unset', `remove ${SPRITE_FILE} from this directory`)
    .action(async (name: string | undefined, flags: { unset?: boolean }) => {
      if (flags.unset === true) {
        rmSync(join(ctx.environment.cwd, SPRITE_FILE), { force: true });
        process.stdout.write(`removed ${SPRITE_FILE}\n`);
        return;
      }
      if (name === undefined) throw new HobError('bad_request', 'name the sprite: `hob use NAME`');
      assertValidName(name);
      // Check it exists, so a typo is caught now rather than at the next command.
      await ctx.client().getSprite(name);
      const file = writeSpriteFile(ctx.environment.cwd, name);
      process.stdout.write(`using sprite ${name} here (${file})\n`);
    });
}
