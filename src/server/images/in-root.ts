import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, stat } from 'node:fs/promises';
import path from 'node:path';

import { errnoIs } from './errno.js';

/**
 * Image trees are untrusted (imports) and full of absolute symlinks that are only meaningful
 * inside the sprite (`/etc/resolv.conf -> /run/…`). The host, running as root, must never
 * follow one of them with its own `/`: an imported `/etc -> /etc` would otherwise turn
 * "write the image's passwd" into "overwrite the host's". So every host-side access to a
 * path inside an image goes through this resolver, which follows symlinks with `root` as
 * `/` (like the kernel would after chroot) and never leaves it.
 *
 * No sprite process runs while images are built, so the tree cannot change between the
 * checks here and the access that follows them.
 */

// The kernel's own limit (ELOOP after 40 links); a loop in an image fails the same way.
const MAX_SYMLINKS = 40;

export async function resolveInRoot(root: string, innerPath: string): Promise<string> {
  const resolved: string[] = [];
  const pending = split(innerPath);
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift();
    if (part === undefined || part === '.') continue;
    if (part === '..') {
      resolved.pop(); // ".." at the image's "/" stays there, as it does in a chroot
      continue;
    }
    const candidate = path.join(root, ...resolved, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(candidate)).isSymbolicLink();
    } catch (err) {
      if (!errnoIs(err, 'ENOENT', 'ENOTDIR')) throw err;
      // Nothing exists here, so nothing below can be a symlink: the rest is purely lexical.
      return path.join(root, ...normalizeLexically([...resolved, part, ...pending]));
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      throw new Error(`${innerPath}: too many levels of symbolic links inside the image`);
    }
    const target = await readlink(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...split(target));
  }
  return path.join(root, ...resolved);
}

/** stat() of a path inside the image, or undefined if it does not exist there. */
export async function statInRoot(root: string, innerPath: string): Promise<Stats | undefined> {
  const hostPath = await resolveInRoot(root, innerPath);
  try {
    // Safe: resolveInRoot returned a path whose components are not symlinks (or missing).
    return await stat(hostPath);
  } catch (err) {
    if (errnoIs(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
}

/**
 * Whether anything (a dangling symlink included) sits at `innerPath`, without following its
 * last component: "create if missing" must not create the target of an image's symlink.
 */
export async function lexistsInRoot(root: string, innerPath: string): Promise<boolean> {
  const parent = await resolveInRoot(root, path.posix.dirname(innerPath));
  try {
    await lstat(path.join(parent, path.posix.basename(innerPath)));
    return true;
  } catch (err) {
    if (errnoIs(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
}

export async function isExecutableInRoot(root: string, innerPath: string): Promise<boolean> {
  const st = await statInRoot(root, innerPath);
  return st !== undefined && st.isFile() && (st.mode & 0o111) !== 0;
}

/** Reads a text file inside the image; undefined if missing. */
export async function readInRoot(root: string, innerPath: string): Promise<string | undefined> {
  const hostPath = await resolveInRoot(root, innerPath);
  try {
    const handle = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (errnoIs(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/**
 * Writes a text file inside the image, replacing its content (mode and owner of an existing
 * file are kept). O_NOFOLLOW guards the last component; resolveInRoot guarded the others.
 */
export async function writeInRoot(root: string, innerPath: string, text: string, mode = 0o644): Promise<void> {
  const hostPath = await resolveInRoot(root, innerPath);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await open(hostPath, flags, mode);
  try {
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}

function split(p: string): string[] {
  return p.split('/').filter((part) => part !== '');
}

function normalizeLexically(parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '.' || part === '') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}
