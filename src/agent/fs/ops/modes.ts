import { chmod, chown, lchown, readFile, stat } from 'node:fs/promises';
import { formatMode } from '../../../shared/fs-request.js';
import { lookUpAccount } from '../../exec/account.js';
import { posixError } from '../errors.js';
import type { FsResult } from '../io.js';
import { walk } from './walk.js';

/** Changes `path` with `top` (which follows a symlink, as chmod and chown do) and, with `recursive`, everything below a directory with `below`. */
async function applyTree(path: string, recursive: boolean, top: (path: string) => Promise<void>, below: (path: string, isSymlink: boolean) => Promise<void>): Promise<number> {
  await top(path);
  let count = 1;
  if (!recursive || !(await stat(path)).isDirectory()) return count;
  for await (const entry of walk(path)) {
    await below(entry.path, entry.stats.isSymbolicLink());
    count++;
  }
  return count;
}

/** chmod, and chmod -R (which leaves symlinks alone: their own mode means nothing on Linux). */
export async function chmodPath(path: string, mode: number, recursive: boolean): Promise<FsResult> {
  const count = await applyTree(
    path,
    recursive,
    (top) => chmod(top, mode),
    async (entry, isSymlink) => {
      if (!isSymlink) await chmod(entry, mode);
    },
  );
  return { path, mode: formatMode(mode), count };
}

async function groupId(name: string): Promise<number | undefined> {
  const text = await readFile('/etc/group', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return name === 'root' ? 0 : undefined;
}

/** A uid or gid as given, or looked up by name in the sprite's own /etc/passwd or /etc/group. */
async function resolveId(value: number | string | undefined, what: 'uid' | 'gid', path: string): Promise<number | undefined> {
  if (value === undefined || typeof value === 'number') return value;
  const id = what === 'uid' ? lookUpAccount(value)?.uid : await groupId(value);
  if (id === undefined) throw posixError('EINVAL', path, `this sprite has no ${what === 'uid' ? 'user' : 'group'} ${JSON.stringify(value)}`);
  return id;
}

/** chown, and chown -R (which changes symlinks themselves, never what they point to). */
export async function chownPath(path: string, uidOrName: number | string | undefined, gidOrName: number | string | undefined, recursive: boolean): Promise<FsResult> {
  const uid = await resolveId(uidOrName, 'uid', path);
  const gid = await resolveId(gidOrName, 'gid', path);
  // -1 leaves that id as it is.
  const count = await applyTree(
    path,
    recursive,
    (top) => chown(top, uid ?? -1, gid ?? -1),
    (entry) => lchown(entry, uid ?? -1, gid ?? -1),
  );
  return { path, ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }), count };
}
