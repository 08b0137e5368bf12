import { constants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { formatMode } from '../../../shared/fs-request.js';
import { hasCode, posixError } from '../errors.js';
import type { FsIo, FsResult } from '../io.js';

/** The mode of directories made for a file: the file's, searchable wherever it is readable (0644 → 0755, 0600 → 0700). */
export function directoryModeFor(fileMode: number | undefined): number {
  if (fileMode === undefined) return 0o777;
  return (fileMode | ((fileMode & 0o444) >> 2)) & 0o777;
}

/**
 * Missing parents: all of them with `mkdirParents`; otherwise only the immediate parent, if
 * its own parent exists (the SDK's non-recursive mkdir writes `<dir>/.keep` this way).
 */
export async function makeParents(path: string, all: boolean, fileMode: number | undefined): Promise<void> {
  const parent = dirname(path);
  const missing = await stat(parent).then(
    () => false,
    (error: unknown) => {
      if (hasCode(error, 'ENOENT')) return true;
      throw error;
    },
  );
  if (missing) await mkdir(parent, { recursive: all, mode: directoryModeFor(fileMode) });
}

/**
 * Pipes `input` into `output` until both are done. Unlike pipeline(), a failure (a full disk)
 * leaves `input` alone: it is the request, and destroying it would take the connection and
 * the answer that says what failed with it.
 */
function drainInto(input: Readable | undefined, output: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown): void => {
      input?.unpipe(output);
      output.destroy();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    if (signal.aborted) {
      fail(signal.reason);
      return;
    }
    signal.addEventListener('abort', () => fail(signal.reason), { once: true });
    // 'close', not 'finish': by then the descriptor is closed too, so its last error is known.
    output.once('close', () => resolve());
    output.once('error', fail);
    input?.once('error', fail);
    input?.pipe(output);
  });
}

/**
 * Replaces a file's content with the request body, streamed. Like `fs.writeFile`, an existing
 * file keeps its inode (hard links, owner); it is opened without truncating and truncated
 * only once it is known to be a regular file, so a device or FIFO is never touched. An
 * explicit mode is set exactly (no umask); otherwise a new file gets 0666 less the umask.
 */
export async function writeFile(path: string, mode: number | undefined, mkdirParents: boolean, io: FsIo): Promise<FsResult> {
  await makeParents(path, mkdirParents, mode);
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOCTTY | constants.O_NONBLOCK, 0o666);
  let handedOver = false;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw posixError('EINVAL', path, 'not a regular file');
    await handle.truncate(0);
    if (mode !== undefined) await handle.chmod(mode);
    let size = 0;
    // From here the stream owns the handle and closes it, however it ends.
    const file = handle.createWriteStream({ highWaterMark: 256 * 1024 });
    handedOver = true;
    if (io.input === undefined) file.end();
    else io.input.on('data', (chunk: Buffer) => (size += chunk.length));
    await drainInto(io.input, file, io.signal);
    return { path, size, mode: formatMode(mode ?? stats.mode) };
  } finally {
    if (!handedOver) await handle.close();
  }
}
