import { chmodSync, lchownSync, type Stats } from 'node:fs';

import type { ProgressFn } from './progress.js';
import { walkTree } from './walk.js';

/**
 * Sprites run in a user namespace where their uid 0 is host uid `offset`. Images are built
 * with in-sprite ids (0 root, 1000 sprite); this moves every inode into the host range so the
 * sprite owns its files and the host's real root owns nothing inside it.
 */

/** Ids a sprite's user namespace maps (0‥65535). */
export const ID_RANGE = 65_536;
/** Where ids that do not fit the range go: the kernel's overflow "nobody". */
const OVERFLOW_ID = 65_534;
const SETID_BITS = 0o6000;

export async function shiftOwnership(
  root: string,
  offset: number,
  progress: ProgressFn,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(offset) || offset < ID_RANGE || offset + ID_RANGE > 2 ** 32 - 1) {
    throw new Error(`ownership offset ${offset} must be an integer in [${ID_RANGE}, 2^32 - 1 - ${ID_RANGE}]`);
  }
  // Ids at or above the offset are already shifted, which makes a second run a no-op.
  const map = (id: number): number => {
    if (id >= offset) return id;
    if (id < ID_RANGE) return id + offset;
    outOfRange++;
    return OVERFLOW_ID + offset;
  };
  let outOfRange = 0;
  let changed = 0;
  // Hard links share one inode; shifting it once is enough (and a second lchown would be
  // skipped by the ">= offset" rule anyway, but this avoids the syscalls).
  const seenLinks = new Set<string>();

  const visit = (hostPath: string, st: Stats): void => {
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (seenLinks.has(key)) return;
      seenLinks.add(key);
    }
    const uid = map(st.uid);
    const gid = map(st.gid);
    if (uid === st.uid && gid === st.gid) return;
    lchownSync(hostPath, uid, gid);
    changed++;
    // chown clears setuid/setgid on regular files even when root does it; put them back.
    // Never chmod a symlink: chmod follows it.
    if (!st.isSymbolicLink() && (st.mode & SETID_BITS) !== 0) chmodSync(hostPath, st.mode & 0o7777);
  };

  progress({ message: 'Shifting file ownership into the sprite id range' });
  const visited = await walkTree(root, visit, {
    signal,
    onBatch: (n) => progress({ message: 'Shifting file ownership', done: n }),
  });
  progress({ message: `Shifted ownership of ${changed} of ${visited} files`, done: visited, total: visited });
  if (outOfRange > 0) {
    progress({
      message: `${outOfRange} ids were outside 0-${ID_RANGE - 1} and now belong to nobody (${OVERFLOW_ID})`,
    });
  }
}
