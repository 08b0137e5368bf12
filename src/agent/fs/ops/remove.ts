import { lstat, rm, rmdir, unlink } from 'node:fs/promises';
import { posixError } from '../errors.js';
import type { FsResult } from '../io.js';

/**
 * Deletes a file, a symlink (never its target) or a directory: an empty one, or any with
 * `recursive`. A missing path fails with ENOENT, which the SDK's `rm({force: true})` ignores.
 * `/` itself is refused, as `rm -rf /` is.
 */
export async function removePath(path: string, recursive: boolean): Promise<FsResult> {
  if (path === '/') throw posixError('EPERM', path, 'refusing to delete /');
  const stats = await lstat(path);
  if (!stats.isDirectory()) await unlink(path);
  else if (recursive) await rm(path, { recursive: true });
  else await rmdir(path);
  return { deleted: [path], count: 1 };
}
