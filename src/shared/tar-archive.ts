/**
 * Directories as tar streams, for `hob cp`: the CLI packs and unpacks on the user's machine,
 * the agent inside the sprite. Both use node-tar, which refuses entries that climb out of the
 * directory (`..`, absolute paths) or write through a symlink. Import this module lazily: tar
 * brings zlib, which a client command that copies nothing should not load.
 */
import { chmod, lstat, mkdir, realpath, symlink, unlink } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { create, extract } from 'tar';

/**
 * `dir`'s contents as a tar stream: `.` and everything below it, with modes, modification
 * times and symlinks as they are. Not `portable`: that would rewrite modes (no group or other
 * write, always owner read-write); the owners it would leave out are ignored when unpacking.
 */
export function packDirectory(dir: string): Readable {
  return Readable.from(create({ cwd: dir, strict: true, follow: false }, ['.']));
}

export interface UnpackOptions {
  /**
   * Drop setuid and setgid bits: on the user's own machine a file from a sprite must not
   * become a setuid program of whoever runs `hob cp` (owners are not kept, so root's).
   */
  stripSetId: boolean;
  signal?: AbortSignal;
}

/** An archive that cannot be unpacked as it is: tar's own refusals carry a tarCode too. */
function refusal(message: string): Error {
  return Object.assign(new Error(message), { tarCode: 'TAR_ENTRY_ERROR' });
}

/** An entry's path as a key: `./a//b/` and `a/b` are one entry. */
function entryKey(path: string): string {
  return posix.normalize(path).replace(/^(?:\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * Unpacks a tar stream into `dir` (made if missing), failing on the first entry it cannot
 * write. Files belong to whoever unpacks them. Symlinks keep their targets as they are (an
 * absolute one included, which node-tar would rewrite) and are made last, so no entry can be
 * written through one; an entry after a symlink of the same name replaces it. Modes are set
 * exactly afterwards, deepest first (tar would leave the umask's mark, and keeps directories
 * writable while it fills them), and only on what really lies inside `dir`. Resolves with the
 * number of entries.
 */
export async function unpackTar(input: Readable, dir: string, options: UnpackOptions): Promise<number> {
  await mkdir(dir, { recursive: true });
  const modeMask = options.stripSetId ? 0o1777 : 0o7777;
  const modes: { path: string; mode: number }[] = [];
  const links = new Map<string, string>();
  let count = 0;
  const unpacker = extract({
    cwd: dir,
    strict: true,
    preserveOwner: false,
    filter: (path, entry) => {
      const key = entryKey(path);
      if (!('type' in entry) || entry.type !== 'SymbolicLink') {
        links.delete(key);
        return true;
      }
      count++;
      links.set(key, String(entry.linkpath));
      return false;
    },
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
  await makeLinks(dir, links);
  await setModes(dir, modes.reverse());
  return count;
}

/** The directory `relative` names below `root`, made where missing, refused if any part of it is not a real directory. */
async function realDirectory(root: string, relative: string): Promise<string> {
  let current = root;
  for (const part of relative === '' ? [] : relative.split('/')) {
    current = join(current, part);
    const stats = await lstat(current).catch(() => undefined);
    if (stats === undefined) await mkdir(current);
    else if (!stats.isDirectory()) throw refusal(`${relative} is not a directory in the archive's target`);
  }
  return current;
}

async function makeLinks(dir: string, links: ReadonlyMap<string, string>): Promise<void> {
  const root = await realpath(dir);
  for (const [path, target] of links) {
    if (path === '' || path === '.' || posix.isAbsolute(path) || path.split('/').includes('..')) throw refusal(`the archive's symlink ${path} is not inside the directory`);
    const parent = await realDirectory(root, posix.dirname(path) === '.' ? '' : posix.dirname(path));
    const full = join(parent, posix.basename(path));
    const existing = await lstat(full).catch(() => undefined);
    if (existing?.isDirectory() === true) throw refusal(`the archive's symlink ${path} would replace a directory`);
    if (existing !== undefined) await unlink(full);
    await symlink(target, full);
  }
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
