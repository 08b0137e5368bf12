/**
 * Directories as tar streams, for `hob cp`: the CLI packs and unpacks on the user's machine,
 * the agent inside the sprite. Both use node-tar, which refuses entries that climb out of the
 * directory (`..`, absolute paths) or write through a symlink. Import this module lazily: tar
 * brings zlib, which a client command that copies nothing should not load.
 */
import { chmod, lstat, mkdir, realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { create, extract } from 'tar';

/**
 * `dir`'s contents as a tar stream: `.` and everything below it, with modes, modification
 * times and symlinks as they are; owners and other machine-specific fields are left out.
 */
export function packDirectory(dir: string): Readable {
  return Readable.from(create({ cwd: dir, portable: true, strict: true, follow: false }, ['.']));
}

export interface UnpackOptions {
  /**
   * Drop setuid and setgid bits: on the user's own machine a file from a sprite must not
   * become a setuid program of whoever runs `hob cp` (owners are not kept, so root's).
   */
  stripSetId: boolean;
  signal?: AbortSignal;
}

/**
 * Unpacks a tar stream into `dir` (made if missing), failing on the first entry it cannot
 * write. Files belong to whoever unpacks them. Modes are set exactly afterwards, deepest first
 * (tar would leave the umask's mark, and keeps directories writable while it fills them), and
 * only on what really lies inside `dir`: never through a symlink. Resolves with the number of
 * entries.
 */
export async function unpackTar(input: Readable, dir: string, options: UnpackOptions): Promise<number> {
  await mkdir(dir, { recursive: true });
  const modeMask = options.stripSetId ? 0o1777 : 0o7777;
  const modes: { path: string; mode: number }[] = [];
  let count = 0;
  const unpacker = extract({
    cwd: dir,
    strict: true,
    preserveOwner: false,
    onReadEntry: (entry) => {
      count++;
      if (typeof entry.mode !== 'number') return;
      // Before tar creates it: a setid file must not exist even for a moment.
      entry.mode &= modeMask;
      if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile' || entry.type === 'Directory') modes.push({ path: entry.path, mode: entry.mode });
    },
  });
  await new Promise<void>((done, fail) => {
    const abort = (): void => fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    unpacker.on('close', () => done());
    unpacker.on('error', fail);
    input.on('error', fail);
    input.pipe(unpacker);
  });
  await setModes(dir, modes.reverse());
  return count;
}

async function setModes(dir: string, modes: readonly { path: string; mode: number }[]): Promise<void> {
  const root = await realpath(dir);
  for (const { path, mode } of modes) {
    const target = resolve(root, path);
    if (target !== root && !target.startsWith(root + sep)) continue;
    const stats = await lstat(target).catch(() => undefined);
    if (stats === undefined || stats.isSymbolicLink()) continue;
    // A parent that is a symlink would lead elsewhere: the real path must be the path itself.
    if ((await realpath(target)) !== target) continue;
    await chmod(target, mode);
  }
}
