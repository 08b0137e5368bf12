import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { posixError } from '../errors.js';
import type { FsIo, FsResult } from '../io.js';
import { walk } from './walk.js';

/** tar brings zlib: loaded when a directory is first packed or unpacked, not when the agent starts. */
const archives = () => import('../../../shared/tar-archive.js');

/**
 * A directory's contents as a tar stream. The tree is walked first, so an unreadable
 * directory is refused before any byte goes out, and the head can say how many bytes the
 * files hold; an unreadable file found later cuts the stream (the caller sees it end early).
 */
export async function packPath(path: string, io: FsIo): Promise<FsResult> {
  if (!(await stat(path)).isDirectory()) throw posixError('ENOTDIR', path, 'not a directory (read a file with /fs/read)');
  let totalBytes = 0;
  for await (const entry of walk(path)) if (entry.stats.isFile()) totalBytes += entry.stats.size;
  await io.head?.({ totalBytes });
  if (io.output === undefined) return { path };
  const { packDirectory } = await archives();
  await pipeline(packDirectory(path), io.output, { end: false, signal: io.signal });
  return { path };
}

/** Unpacks the request body into a directory, made with its parents if missing. */
export async function unpackPath(path: string, io: FsIo): Promise<FsResult> {
  if (io.input === undefined) throw posixError('EINVAL', path, 'send a tar archive as the body');
  const { unpackTar } = await archives();
  // Inside the sprite a setuid file is the acting user's own business.
  const count = await unpackTar(io.input, path, { stripSetId: false, signal: io.signal });
  return { path, count };
}
