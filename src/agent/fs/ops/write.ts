import { constants, createWriteStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
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
 * Replaces a file's content with the request body, streamed. Like `fs.writeFile`, an existing
 * file keeps its inode (hard links, owner); it is opened without truncating and truncated
 * only once it is known to be a regular file, so a device or FIFO is never touched. An
 * explicit mode is set exactly (no umask); otherwise a new file gets 0666 less the umask.
 */
export async function writeFile(path: string, mode: number | undefined, mkdirParents: boolean, io: FsIo): Promise<FsResult> {
  await makeParents(path, mkdirParents, mode);
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOCTTY | constants.O_NONBLOCK, 0o666);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw posixError('EINVAL', path, 'not a regular file');
    await handle.truncate(0);
    if (mode !== undefined) await handle.chmod(mode);
    let size = 0;
    if (io.input !== undefined) {
      io.input.on('data', (chunk: Buffer) => (size += chunk.length));
      // A stream on the bare descriptor: FileHandle streams hold the handle open until they are destroyed, which closes it.
      await pipeline(io.input, createWriteStream('', { fd: handle.fd, autoClose: false, emitClose: false, highWaterMark: 256 * 1024 }), { signal: io.signal });
    }
    const written = await handle.stat();
    return { path, size, mode: formatMode(written.mode) };
  } finally {
    await handle.close();
  }
}
