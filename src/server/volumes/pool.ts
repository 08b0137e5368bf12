import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { runCommand } from '../util/command.js';

const BTRFS_SUPER_MAGIC = 0x9123683e;

/**
 * runc mounts a sprite's root from inside its user namespace, as an unprivileged host uid, so
 * every directory above a sprite root must be searchable by others (but need not be readable).
 */
export const TRAVERSE_ONLY = 0o711;

function assertTraversable(dir: string): void {
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(`sprites run as an unprivileged host uid and must be able to pass through ${current}; run \`chmod o+x ${current}\` or pick another --data-dir`);
    }
    if (dirname(current) === current) return;
  }
}

/**
 * The host's btrfs pool: images, sprite roots (and later checkpoints) are subvolumes in it, so
 * that making a sprite from an image is a snapshot, O(1) in the size of the image.
 */
export class BtrfsPool {
  private constructor(
    /** The directory at the top of the pool. */
    readonly root: string,
    /** True when Hob mounted a loop file for the pool (and so may unmount it). */
    readonly loopFile: string | undefined,
  ) {}

  get imagesDir(): string {
    return join(this.root, 'images');
  }

  get spritesDir(): string {
    return join(this.root, 'sprites');
  }

  /**
   * Uses the data dir itself when it is on btrfs; otherwise a sparse loop file in it, formatted
   * on first start and mounted again on later ones.
   */
  static async open(dataDir: string, sizeGiB: number, log: Logger): Promise<BtrfsPool> {
    mkdirSync(dataDir, { recursive: true, mode: TRAVERSE_ONLY });
    chmodSync(dataDir, TRAVERSE_ONLY);
    assertTraversable(dirname(dataDir));
    let pool: BtrfsPool;
    if (statfsSync(dataDir).type === BTRFS_SUPER_MAGIC) {
      pool = new BtrfsPool(join(dataDir, 'pool'), undefined);
      mkdirSync(pool.root, { recursive: true, mode: TRAVERSE_ONLY });
    } else {
      const image = join(dataDir, 'pool.img');
      const mountPoint = join(dataDir, 'pool');
      mkdirSync(mountPoint, { recursive: true, mode: TRAVERSE_ONLY });
      if (!existsSync(image)) await createLoopImage(image, sizeGiB, log);
      if (!isMountPoint(mountPoint)) {
        // `-o loop` lets mount pick a free loop device and set autoclear, so unmounting frees it.
        await runCommand('mount', ['-t', 'btrfs', '-o', 'loop,noatime,user_subvol_rm_allowed', image, mountPoint]);
        log.info({ image, mountPoint }, 'mounted btrfs pool');
      }
      pool = new BtrfsPool(mountPoint, image);
    }
    chmodSync(pool.root, TRAVERSE_ONLY);
    mkdirSync(pool.imagesDir, { recursive: true, mode: 0o700 });
    mkdirSync(pool.spritesDir, { recursive: true, mode: TRAVERSE_ONLY });
    chmodSync(pool.spritesDir, TRAVERSE_ONLY);
    return pool;
  }

  async createSubvolume(path: string): Promise<void> {
    await runCommand('btrfs', ['-q', 'subvolume', 'create', path]);
  }

  async snapshot(source: string, target: string, options: { readonly: boolean }): Promise<void> {
    const args = ['-q', 'subvolume', 'snapshot'];
    if (options.readonly) args.push('-r');
    await runCommand('btrfs', [...args, source, target]);
  }

  async setReadonly(path: string, readonly: boolean): Promise<void> {
    await runCommand('btrfs', ['property', 'set', '-ts', path, 'ro', String(readonly)]);
  }

  /** Deletes a subvolume; a path that is gone already is not an error, so retries after a crash are safe. */
  async deleteSubvolume(path: string): Promise<void> {
    if (!existsSync(path)) return;
    await runCommand('btrfs', ['-q', 'subvolume', 'delete', path]);
  }

  isSubvolume(path: string): boolean {
    // Subvolume roots are the only directories on btrfs with inode number 256.
    try {
      return statSync(path).ino === 256;
    } catch {
      return false;
    }
  }

  /** Unmounts a loop-file pool (tests and uninstall); a pool on the data dir's own btrfs stays. */
  async close(): Promise<void> {
    if (this.loopFile !== undefined && isMountPoint(this.root)) {
      await runCommand('umount', [this.root]);
    }
  }
}

async function createLoopImage(image: string, sizeGiB: number, log: Logger): Promise<void> {
  // Formatted under a temporary name and renamed when done, so a crash never leaves a file
  // that looks like a pool but is not one.
  const partial = `${image}.partial`;
  await rm(partial, { force: true });
  const handle = await open(partial, 'w', 0o600);
  await handle.truncate(Math.floor(sizeGiB * 1024 ** 3));
  await handle.close();
  await runCommand('mkfs.btrfs', ['-q', '-L', 'hob-pool', partial]);
  await rename(partial, image);
  log.info({ image, sizeGiB }, 'created sparse btrfs pool file');
}

export function isMountPoint(path: string): boolean {
  const mountInfo = readFileSync('/proc/self/mountinfo', 'utf8');
  return mountInfo.split('\n').some((line) => line.split(' ')[4] === path);
}
