import { cp, lchown, lstat, rename } from 'node:fs/promises';
import { posixError } from '../errors.js';
import type { FsResult } from '../io.js';

export async function renamePath(source: string, dest: string): Promise<FsResult> {
  await rename(source, dest);
  return { source, dest };
}

/**
 * Copies a file, a symlink (as a symlink, its target text unchanged) or, with `recursive`, a
 * directory. Modes are kept; `preserveAttrs` keeps timestamps too, and owners when acting as
 * root (nobody else may give files away).
 */
export async function copyPath(source: string, dest: string, recursive: boolean, preserveAttrs: boolean): Promise<FsResult> {
  const stats = await lstat(source);
  if (stats.isDirectory() && !recursive) throw posixError('EISDIR', source, 'is a directory (copy it with recursive)');
  const keepOwners = preserveAttrs && process.getuid?.() === 0;
  const copied: [string, string][] = [];
  await cp(source, dest, {
    recursive,
    verbatimSymlinks: true,
    preserveTimestamps: preserveAttrs,
    force: true,
    errorOnExist: false,
    filter: (from, to) => {
      copied.push([from, to]);
      return true;
    },
  });
  if (keepOwners) {
    for (const [from, to] of copied) {
      const own = await lstat(from);
      await lchown(to, own.uid, own.gid);
    }
  }
  return { source, dest, count: copied.length };
}
