import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';

import { runCommand } from '../util/command.js';

/**
 * debootstrap mounts /proc, /sys and friends inside the target while it runs and only
 * unmounts them if it exits cleanly. A mount left behind under an image makes the btrfs
 * subvolume undeletable and, worse, exposes the host's /proc to whoever later gets the tree.
 */

/**
 * Mount points strictly below `dir`, deepest first. `dir` itself is left out: it may be
 * where the pool is mounted, and unmounting that is never ours to do.
 */
export async function mountsUnder(dir: string): Promise<string[]> {
  const prefix = await canonical(dir);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of info.split('\n')) {
    // Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    if (point.startsWith(`${prefix}/`)) points.add(point);
  }
  return [...points].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}

/**
 * Lazily unmounts everything under `dir`, deepest first, and checks nothing is left.
 * Lazy (-l) because a killed debootstrap may leave a process with its cwd inside /proc.
 */
export async function unmountUnder(dir: string): Promise<void> {
  // Stacked mounts on one point need one umount each; a few rounds cover that.
  for (let round = 0; round < 5; round++) {
    const points = await mountsUnder(dir);
    if (points.length === 0) return;
    for (const point of points) {
      await runCommand('umount', ['-l', point]).catch(() => undefined);
    }
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new Error(`could not unmount ${left.join(', ')}`);
}

async function canonical(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch {
    return path.resolve(dir);
  }
}
