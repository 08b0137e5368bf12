import { readdir, unlink } from 'node:fs/promises';
import { Readable, Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { HobError } from '../../shared/errors.js';
import { detectArchiveFormat, SNIFF_BYTES } from './archive-format.js';
import { ensureSpriteBaseFiles } from './base-files.js';
import { CommandError, runCommand } from '../util/command.js';
import { isExecutableInRoot, resolveInRoot } from './in-root.js';
import type { ProgressFn } from './progress.js';
import { walkTree } from './walk.js';

/**
 * Imports a user-supplied root filesystem. The archive is hostile: GNU tar running as host
 * root does the extraction because it already refuses the classic escapes (members with
 * "..", hard links out of the tree) and strips leading "/", and it defers creating
 * symlinks that point outside the tree until everything else is written, so no member can
 * be written through one. Ownership is kept as in the archive (in-sprite ids); the caller
 * shifts it afterwards.
 *
 * On failure the root is left partly filled; the caller discards the subvolume.
 */

const TAR_ARGS = [
  '--extract',
  '--file=-',
  // Ids exactly as archived: names would be mapped through the *host's* passwd.
  '--numeric-owner',
  '--same-owner',
  '--same-permissions',
  // Keep the subvolume root's own mode and owner whatever the archive's "./" entry says.
  '--no-overwrite-dir',
  // pax headers from `docker export` (xattrs) and future mtimes are not worth a warning.
  '--warning=no-unknown-keyword',
  '--warning=no-timestamp',
];

const PROGRESS_EVERY_BYTES = 16 * 1024 * 1024;
const MAX_TOP_LEVEL_IN_ERROR = 10;
const MAX_DIR_ENTRIES_CHECKED = 500;
const MAX_TAR_LINES_IN_ERROR = 3;

export async function importRootfsTar(
  root: string,
  input: NodeJS.ReadableStream,
  progress: ProgressFn,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  const { head, stream } = await sniff(input);
  const format = detectArchiveFormat(head);
  progress({ message: format === 'gzip' ? 'Extracting a gzip-compressed tar archive' : 'Extracting a tar archive' });

  let inputError: Error | undefined;
  const counter = byteCounter((bytes) => {
    progress({ message: `Extracting: ${Math.round(bytes / 1024 / 1024)} MiB read` });
  });
  const onPipelineEnd = (err: Error | null): void => {
    if (err !== null) inputError ??= err;
  };
  const source = format === 'gzip' ? pipeline(stream, createGunzip(), counter, onPipelineEnd) : pipeline(stream, counter, onPipelineEnd);
  try {
    await runCommand('tar', [...TAR_ARGS, `--directory=${root}`], { stdin: source, signal });
  } catch (err) {
    signal?.throwIfAborted();
    // tar only saw a truncated stream; the reader's error is the real cause.
    if (inputError !== undefined) {
      // A broken upload or gzip stream is the sender's to fix; a too-large one keeps its own code.
      const code = inputError instanceof HobError ? inputError.code : 'bad_request';
      throw new HobError(code, `reading the archive failed: ${inputError.message}`, { cause: inputError });
    }
    if (err instanceof CommandError) throw new HobError('bad_request', `extracting the archive failed: ${tarComplaint(err)}`, { cause: err });
    throw err;
  } finally {
    // If tar stopped early, let go of the upload instead of leaving it paused forever.
    stream.destroy();
  }

  const devicePaths: string[] = [];
  const files = await walkTree(
    root,
    (hostPath, st) => {
      // runc gives every sprite its own /dev; a device node from an archive could only be
      // an attempt to reach host hardware, so none is kept.
      if (st.isBlockDevice() || st.isCharacterDevice()) {
        devicePaths.push(hostPath);
      }
    },
    { signal },
  );
  for (const p of devicePaths) await unlink(p);
  const removed = devicePaths.length > 0 ? `; removed ${devicePaths.length} device nodes` : '';
  progress({ message: `Extracted ${files} files${removed}` });

  await requireRootfsShape(root);
  await ensureSpriteBaseFiles(root);
}

/** tar's complaint on one line: its own messages, without the summary lines it ends with. */
function tarComplaint(err: CommandError): string {
  const lines = err.stderr
    .split('\n')
    .map((line) => line.replace(/^tar: /, '').trim())
    .filter((line) => line !== '' && !/^(Exiting with failure status|Skipping to next header|Error is not recoverable)/.test(line));
  return lines.length === 0 ? err.message : lines.slice(0, MAX_TAR_LINES_IN_ERROR).join('; ');
}

/** Reads just enough to recognise the format, then hands back a stream that still has it. */
async function sniff(input: NodeJS.ReadableStream): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = input[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let size = 0;
  while (size < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done === true) break;
    const chunk = toBuffer(next.value);
    first.push(chunk);
    size += chunk.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* first;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield toBuffer(next.value);
      }
    } finally {
      // Destroying the replay stream ends the iteration, which destroys the input too.
      await iterator.return?.();
    }
  }
  return { head: Buffer.concat(first), stream: Readable.from(replay(), { objectMode: false }) };
}

function toBuffer(chunk: string | Buffer): Buffer {
  if (typeof chunk === 'string') throw new Error('the archive stream must be binary (setEncoding was called on it)');
  return chunk;
}

function byteCounter(onStep: (bytes: number) => void): Transform {
  let bytes = 0;
  let nextReport = PROGRESS_EVERY_BYTES;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes >= nextReport) {
        nextReport += PROGRESS_EVERY_BYTES;
        onStep(bytes);
      }
      callback(null, chunk);
    },
  });
}

/**
 * A tarball of a project directory, or one that wraps the root in a folder, would otherwise
 * only fail later with a baffling "cannot start sprite".
 */
async function requireRootfsShape(root: string): Promise<void> {
  if (await isExecutableInRoot(root, '/bin/sh')) return;
  for (const dir of ['/bin', '/usr/bin']) {
    if (await hasExecutable(root, dir)) return;
  }
  const top = (await readdir(root)).sort();
  const shown = top.slice(0, MAX_TOP_LEVEL_IN_ERROR).join(', ') + (top.length > MAX_TOP_LEVEL_IN_ERROR ? ', …' : '');
  const [first] = top;
  const wrapped = top.length === 1 && first !== undefined ? `; if ${first}/ is the root, archive its contents instead (tar -C ${first} -c .)` : '';
  throw new HobError(
    'bad_request',
    `the archive is not a root filesystem: no /bin/sh and no executables in /bin or /usr/bin ` +
      `(top level: ${shown === '' ? 'nothing' : shown})${wrapped}`,
  );
}

async function hasExecutable(root: string, dir: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(await resolveInRoot(root, dir));
  } catch {
    return false;
  }
  for (const name of names.slice(0, MAX_DIR_ENTRIES_CHECKED)) {
    if (await isExecutableInRoot(root, `${dir}/${name}`)) return true;
  }
  return false;
}
