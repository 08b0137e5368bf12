import type { Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FsEntryJson } from '../../../shared/protocol.js';
import { MAX_LIST_ENTRIES } from '../../../shared/schemas/fs.js';
import { entryOf } from '../entry.js';
import { posixError } from '../errors.js';
import type { FsResult } from '../io.js';
import { globMatcher } from './glob.js';
import { walk } from './walk.js';

/** Whether `path` lists as a directory: a directory, or a symlink to one (as `ls dir-link/` does). */
async function listsAsDirectory(path: string, own: Stats): Promise<boolean> {
  if (own.isDirectory()) return true;
  if (!own.isSymbolicLink()) return false;
  return stat(path).then(
    (target) => target.isDirectory(),
    () => false,
  );
}

/**
 * A directory's entries (the whole tree with `recursive`, names relative to it), or any other
 * path's own entry: the SDK's readdir and stat send the same request, and stat reads the first
 * entry. `pattern` filters names; a recursive walk still descends into directories it leaves out.
 */
export async function listPath(path: string, recursive: boolean, pattern: string | undefined): Promise<FsResult> {
  const own = await lstat(path);
  const matches = pattern === undefined ? () => true : globMatcher(pattern);
  if (!(await listsAsDirectory(path, own))) {
    const entries = matches(basename(path)) ? [entryOf(basename(path), path, own)] : [];
    return { path, count: entries.length, entries };
  }
  const entries: FsEntryJson[] = [];
  for await (const entry of walk(path, { deep: recursive, skipUnreadable: true })) {
    if (!matches(basename(entry.name))) continue;
    if (entries.length === MAX_LIST_ENTRIES) throw posixError('EINVAL', path, `more than ${MAX_LIST_ENTRIES} entries; list a smaller directory or narrow it with a pattern`);
    entries.push(entryOf(entry.name, entry.path, entry.stats));
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { path, count: entries.length, entries };
}

