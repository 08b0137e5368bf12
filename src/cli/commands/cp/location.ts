import { HobError } from '../../../shared/errors.js';
import { nameProblem } from '../../../shared/names.js';

/** One side of a copy: a path on this machine, or `sprite:path` (`:path` for the current sprite). */
export type Location = { kind: 'local'; path: string } | { kind: 'sprite'; sprite: string | undefined; path: string };

/**
 * Reads `demo:/var/log/app.log` as a sprite's path and anything else as a local one. What
 * comes before the first colon must be a sprite name (or nothing), so `./a:b` and `/x:y` stay
 * local. A sprite path is absolute, or relative to `/`.
 */
export function parseLocation(text: string): Location {
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const name = text.slice(0, colon);
    if (name === '' || nameProblem(name) === undefined) return { kind: 'sprite', sprite: name === '' ? undefined : name, path: text.slice(colon + 1) === '' ? '/' : text.slice(colon + 1) };
  }
  return { kind: 'local', path: text };
}

/** The copy a source and a destination describe: exactly one side is a sprite's. */
export function copyDirection(source: Location, dest: Location): { direction: 'push'; local: string; remote: Extract<Location, { kind: 'sprite' }> } | { direction: 'pull'; local: string; remote: Extract<Location, { kind: 'sprite' }> } {
  if (source.kind === 'local' && dest.kind === 'sprite') return { direction: 'push', local: source.path, remote: dest };
  if (source.kind === 'sprite' && dest.kind === 'local') return { direction: 'pull', local: dest.path, remote: source };
  if (source.kind === 'sprite') throw new HobError('bad_request', 'both sides are sprites; copy between a sprite and this machine (one side a local path)');
  throw new HobError('bad_request', 'neither side is a sprite; name one as SPRITE:PATH (or :PATH for the current sprite), e.g. hob cp ./app demo:/home/sprite/app');
}
