import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { posixError } from '../errors.js';
import type { FsIo, FsResult } from '../io.js';

/**
 * Streams a regular file to `io.output`. Opened without blocking (a FIFO would wait for a
 * writer) and checked to be a regular file before a byte goes out: devices and FIFOs have no
 * end. The size is taken at open; a file that shrinks while it is read fails the read rather
 * than answering fewer bytes than were promised.
 */
export async function readFile(path: string, io: FsIo): Promise<FsResult> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  let handedOver = false;
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw posixError('EISDIR', path);
    if (!stats.isFile()) throw posixError('EINVAL', path, 'not a regular file');
    const sized = stats.size > 0;
    await io.head?.(sized ? { sizeBytes: stats.size } : {});
    if (io.output === undefined) return { path, size: 0 };
    // From here the stream owns the handle and closes it, however it ends.
    const stream = handle.createReadStream({ start: 0, ...(sized ? { end: stats.size - 1 } : {}), highWaterMark: 1024 * 1024 });
    handedOver = true;
    let bytes = 0;
    stream.on('data', (chunk: string | Buffer) => (bytes += chunk.length));
    await pipeline(stream, io.output, { end: false, signal: io.signal });
    if (sized && bytes < stats.size) throw posixError('EIO', path, 'the file shrank while it was read');
    return { path, size: bytes };
  } finally {
    if (!handedOver) await handle.close();
  }
}
