import type { Stats } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCode } from '../errors.js';

export interface WalkEntry {
  path: string;
  /** Relative to the directory walked. */
  name: string;
  stats: Stats;
}

export interface WalkOptions {
  /** Descend into subdirectories (default), or list only the root's own entries. */
  deep?: boolean;
  /** Leave out subdirectories the caller may not read, as `find` goes on past them (the root must be readable). */
  skipUnreadable?: boolean;
}

/**
 * Everything below `root`, each entry with its own lstat, a directory's entries before
 * anything below them: symlinks are reported and never followed, so a walk stays in the tree
 * it started in. Entries that vanish while it runs are skipped; an unreadable directory fails
 * the walk with its errno unless `skipUnreadable`.
 */
export async function* walk(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const pending: { dir: string; prefix: string }[] = [{ dir: root, prefix: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { dir, prefix } = next;
    const opened = await opendir(dir).catch((error: unknown) => {
      // A directory below the root that vanished since it was listed is skipped, as a vanished entry is.
      if (dir !== root && hasCode(error, 'ENOENT')) return undefined;
      if (options.skipUnreadable === true && dir !== root && hasCode(error, 'EACCES', 'EPERM')) return undefined;
      throw error;
    });
    if (opened === undefined) continue;
    const children: WalkEntry[] = [];
    for await (const dirent of opened) {
      const path = join(dir, dirent.name);
      const stats = await lstat(path).catch((error: unknown) => {
        if (hasCode(error, 'ENOENT')) return undefined;
        throw error;
      });
      if (stats !== undefined) children.push({ path, name: prefix + dirent.name, stats });
    }
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      yield child;
      if (options.deep !== false && child.stats.isDirectory()) pending.push({ dir: child.path, prefix: `${child.name}/` });
    }
  }
}
