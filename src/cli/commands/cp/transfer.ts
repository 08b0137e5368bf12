/**
 * `hob cp` both ways: a file through the fs read and write routes, a directory as a tar
 * stream (its modes and symlinks kept). Loaded only by the copy commands: tar brings zlib.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, readdir, stat, utimes } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, join, posix, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { SpriteFiles } from '../../../client/files.js';
import { HobError } from '../../../shared/errors.js';
import type { FsEntryJson } from '../../../shared/protocol.js';
import { packDirectory, unpackTar } from '../../../shared/tar-archive.js';
import { transferProgress } from '../../transfer-progress.js';
import { localError } from './local-errors.js';

export interface Copied {
  /** Where the copy landed. */
  target: string;
  kind: 'file' | 'directory';
}

/** What the files of a local directory hold, for the progress bar. */
async function localBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await lstat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** A path's own entry in a listing, if the path is not a directory (a directory lists its children). */
function ownEntry(listing: { path: string; entries: FsEntryJson[] }): FsEntryJson | undefined {
  const [first] = listing.entries;
  return listing.entries.length === 1 && first?.path === listing.path ? first : undefined;
}

/**
 * Where a copy into the sprite lands, as cp and scp decide: into `dest` when it is a directory
 * (or ends with `/`), else at `dest` itself, replacing a file but never a file by a directory.
 */
async function remoteTarget(files: SpriteFiles, dest: string, name: string, isDir: boolean): Promise<string> {
  if (dest.endsWith('/')) return posix.join(dest, name);
  let listing;
  try {
    listing = await files.list(dest);
  } catch (error) {
    if (error instanceof HobError && error.code === 'not_found') return dest;
    throw error;
  }
  const own = ownEntry(listing);
  if (own === undefined) return posix.join(listing.path, name);
  if (isDir) throw new HobError('bad_request', `${dest} is a file in the sprite; a directory cannot be copied onto it`);
  return listing.path;
}

/** Copies a local file or directory into a sprite. */
export async function push(files: SpriteFiles, local: string, dest: string): Promise<Copied> {
  const source = resolve(local);
  const stats = await stat(source).catch((error: unknown) => {
    throw localError(error, local);
  });
  const target = await remoteTarget(files, dest, basename(source), stats.isDirectory());
  if (stats.isDirectory()) {
    const progress = await transferProgress(process.stderr, basename(source), await localBytes(source).catch(() => undefined));
    try {
      const tar = packDirectory(source);
      tar.on('error', (error: unknown) => progress.counter.destroy(localError(error, local) as Error)); // localError keeps an Error an Error
      await files.unpack(target, tar.pipe(progress.counter));
    } finally {
      progress.stop();
    }
    return { target, kind: 'directory' };
  }
  if (!stats.isFile()) throw new HobError('bad_request', `${local} is neither a file nor a directory`);
  const progress = await transferProgress(process.stderr, basename(source), stats.size);
  try {
    const content = createReadStream(source);
    content.on('error', (error: unknown) => progress.counter.destroy(localError(error, local) as Error)); // as above
    await files.write(target, content.pipe(progress.counter), { mode: stats.mode & 0o7777, sizeBytes: stats.size });
  } finally {
    progress.stop();
  }
  return { target, kind: 'file' };
}

/** Where a copy out of the sprite lands: into `local` when it is a directory (or ends with `/`), else at `local`. */
async function localTarget(local: string, name: string): Promise<string> {
  if (local.endsWith('/') || local.endsWith('/.')) return join(local, name);
  const stats = await stat(local).catch(() => undefined);
  return stats?.isDirectory() === true && name !== '' ? join(local, name) : local;
}

function sizeHeader(response: IncomingMessage, header: string): number | undefined {
  const value = response.headers[header];
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Copies a file or directory out of a sprite to this machine. */
export async function pull(files: SpriteFiles, remote: string, local: string): Promise<Copied> {
  const listing = await files.list(remote);
  const own = ownEntry(listing);
  const target = await localTarget(local, posix.basename(listing.path));
  if (own === undefined) {
    const existing = await stat(target).catch(() => undefined);
    if (existing !== undefined && !existing.isDirectory()) throw new HobError('bad_request', `${target} is a file here; a directory cannot be copied onto it`);
    const archive = await files.pack(remote);
    const progress = await transferProgress(process.stderr, posix.basename(listing.path) || '/', sizeHeader(archive, 'x-hob-total-bytes'));
    try {
      // Files from a sprite must not become setuid programs here.
      await unpackTar(archive.pipe(progress.counter), target, { stripSetId: true }).catch((error: unknown) => {
        throw localError(error, target);
      });
    } finally {
      progress.stop();
    }
    return { target, kind: 'directory' };
  }
  const content = await files.read(remote);
  const progress = await transferProgress(process.stderr, own.name, sizeHeader(content, 'content-length'));
  try {
    await pipeline(content, progress.counter, createWriteStream(target)).catch((error: unknown) => {
      throw localError(error, target);
    });
  } finally {
    progress.stop();
  }
  // A symlink's own mode means nothing; its target's content was copied with the default mode.
  if (own.type !== 'symlink') await chmod(target, parseInt(own.mode, 8) & 0o1777);
  const modified = new Date(own.modTime);
  await utimes(target, modified, modified);
  return { target, kind: 'file' };
}
