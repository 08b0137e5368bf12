import type { Stats } from 'node:fs';
import { formatMode } from '../../shared/fs-request.js';
import type { FsEntryJson } from '../../shared/protocol.js';

export function entryType(stats: Stats): FsEntryJson['type'] {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'directory';
  return stats.isFile() ? 'file' : 'other';
}

/** One `/fs/list` entry, from the entry's own lstat (a symlink is itself, not its target). */
export function entryOf(name: string, path: string, stats: Stats): FsEntryJson {
  return {
    name,
    path,
    type: entryType(stats),
    size: stats.size,
    mode: formatMode(stats.mode),
    modTime: stats.mtime.toISOString(),
    isDir: stats.isDirectory(),
  };
}
