import { lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where sprite-env is found on every PATH, and the command in the mounted runtime it points at. */
export const SPRITE_ENV_LINK = '/usr/local/bin/sprite-env';
export const SPRITE_ENV_TARGET = '/.hob/bin/sprite-env';

/**
 * Puts sprite-env on the PATH of every image, old sprites and restored checkpoints included:
 * a symlink into the read-only runtime Hob mounts, made at each start if it is missing. A
 * `sprite-env` the user put there themselves is left alone. Synchronous and tiny, before the
 * agent answers, so the first command run in a new sprite finds it.
 */
export function linkSpriteEnv(link = SPRITE_ENV_LINK, target = SPRITE_ENV_TARGET): boolean {
  try {
    lstatSync(link);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // fs errors carry a code
  }
  mkdirSync(dirname(link), { recursive: true, mode: 0o755 });
  symlinkSync(target, link);
  return true;
}
