import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { runCommand } from '../util/command.js';
import { CapacityMonitor, loopPoolSizeBytes, type DiskSpace, type PoolSpace } from './capacity.js';

const BTRFS_SUPER_MAGIC = 0x9123683e;

/**
 * runc mounts a sprite's root from inside its user namespace, as an unprivileged host uid, so
 * every directory above a sprite root must be searchable by others (but need not be readable).
 */
export const TRAVERSE_ONLY = 0o711;

function assertTraversable(dir: string): void {
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new HobError(
        'invalid_config',
        `sprites run as an unprivileged host uid and must be able to pass through ${current}; run \`chmod o+x ${current}\` or pick another --data-dir`,
      );
    }
    if (dirname(current) === current) return;
  }
}

const BTRFS_IOC_QUOTA_CTL = 0xc0109428; // _IOWR(0x94, 40, struct btrfs_ioctl_quota_ctl_args)
const QUOTA_CTL_ENABLE_SIMPLE = 4; // BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA

/**
 * The host's btrfs pool: images, sprite roots and checkpoints are subvolumes in it, so that
 * making a sprite from an image, a checkpoint, a restore and a fork are each a snapshot, O(1)
 * in the size of the data. Quotas are on, so each sprite's quota group counts the bytes it
 * holds alone without anyone walking its files.
 */
export class BtrfsPool {
  private constructor(
    /** The directory at the top of the pool. */
    readonly root: string,
    /** True when Hob mounted a loop file for the pool (and so may unmount it). */
    readonly loopFile: string | undefined,
    /** Where the kernel shows this filesystem's quota groups. */
    private readonly sysfsDir: string,
    /** The directory whose filesystem holds the loop file, when there is one. */
    private readonly hostDir: string | undefined,
    log: Logger,
  ) {
    this.capacity = new CapacityMonitor(() => this.space(), log);
  }

  /** Free space in the pool (and on the host disk under its loop file), checked before creates. */
  readonly capacity: CapacityMonitor;

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
  static async open(dataDir: string, maxSizeGiB: number, log: Logger): Promise<BtrfsPool> {
    mkdirSync(dataDir, { recursive: true, mode: TRAVERSE_ONLY });
    chmodSync(dataDir, TRAVERSE_ONLY);
    assertTraversable(dirname(dataDir));
    let root: string;
    let loopFile: string | undefined;
    if (statfsSync(dataDir).type === BTRFS_SUPER_MAGIC) {
      root = join(dataDir, 'pool');
      mkdirSync(root, { recursive: true, mode: TRAVERSE_ONLY });
    } else {
      const image = join(dataDir, 'pool.img');
      const mountPoint = join(dataDir, 'pool');
      mkdirSync(mountPoint, { recursive: true, mode: TRAVERSE_ONLY });
      if (!existsSync(image)) await createLoopImage(image, loopPoolSizeBytes(maxSizeGiB * 1024 ** 3, diskSpace(dataDir).freeBytes), maxSizeGiB, log);
      if (!isMountPoint(mountPoint)) {
        // `-o loop` lets mount pick a free loop device and set autoclear, so unmounting frees it.
        await runCommand('mount', ['-t', 'btrfs', '-o', 'loop,noatime,user_subvol_rm_allowed', image, mountPoint]);
        log.info({ image, mountPoint }, 'mounted btrfs pool');
      }
      root = mountPoint;
      loopFile = image;
    }
    const pool = new BtrfsPool(root, loopFile, await sysfsDirOf(root), loopFile === undefined ? undefined : dataDir, log);
    await pool.enableQuotas(log);
    chmodSync(pool.root, TRAVERSE_ONLY);
    mkdirSync(pool.imagesDir, { recursive: true, mode: 0o700 });
    mkdirSync(pool.spritesDir, { recursive: true, mode: TRAVERSE_ONLY });
    chmodSync(pool.spritesDir, TRAVERSE_ONLY);
    return pool;
  }

  async createSubvolume(path: string): Promise<void> {
    await runCommand('btrfs', ['-q', 'subvolume', 'create', path]);
  }

  /** A snapshot of `source` at `target`; with `qgroup`, it joins that quota group (level 1) as it is made. */
  async snapshot(source: string, target: string, options: { readonly: boolean; qgroup?: number | null }): Promise<void> {
    const args = ['-q', 'subvolume', 'snapshot'];
    if (options.readonly) args.push('-r');
    if (options.qgroup != null && this.quotasEnabled) args.push('-i', `1/${options.qgroup}`);
    await runCommand('btrfs', [...args, source, target]);
  }

  /**
   * Turns on btrfs simple quotas once per pool. Simple quotas (Linux 6.7+) charge each block to
   * the subvolume that wrote it, so a snapshot into a sprite's group never forces a rescan of
   * the whole filesystem, as full qgroups do whenever a snapshot changes groups. btrfs-progs in
   * Debian 12 predates them, so the one ioctl is made from Python's standard library.
   */
  private async enableQuotas(log: Logger): Promise<void> {
    if (this.quotasEnabled) return;
    const enable = `import fcntl, os, struct\nfd = os.open(${JSON.stringify(this.root)}, os.O_RDONLY)\nfcntl.ioctl(fd, ${BTRFS_IOC_QUOTA_CTL}, struct.pack('QQ', ${QUOTA_CTL_ENABLE_SIMPLE}, 0))`;
    const result = await runCommand('python3', ['-c', enable], { allowFailure: true });
    if (result.exitCode === 0) log.info({ pool: this.root }, 'enabled btrfs simple quotas on the pool');
    else log.warn({ pool: this.root, error: result.stderr.trim().split('\n').at(-1) }, 'btrfs simple quotas are not available (they need Linux 6.7 or later): storage_gb cannot be enforced, so a sprite can fill the pool, and sprites will report their storage as unknown');
  }

  /** True when btrfs counts each sprite's bytes and so can hold it to its storage_gb. */
  get quotasEnabled(): boolean {
    return this.readSysfs('qgroups/enabled') === '1';
  }

  async createQgroup(id: number): Promise<void> {
    if (!this.quotasEnabled) return;
    // A group left by a crash between its creation and its first member is reused as it is.
    if (existsSync(join(this.sysfsDir, 'qgroups', `1_${id}`))) return;
    await runCommand('btrfs', ['qgroup', 'create', `1/${id}`, this.root]);
  }

  /**
   * Caps the bytes a sprite's quota group may hold: a write that would take it past the cap
   * fails inside that sprite with EDQUOT ("Disk quota exceeded"). The kernel checks the cap
   * when it reserves space for a write, against counts it keeps anyway, so it costs nothing
   * per write. The group holds the sprite's root and its checkpoints, so their bytes count
   * alike. A cap that is already in place is left alone without starting a process, and so is
   * a sprite made while quotas were off, which has no group to cap.
   */
  async setQgroupLimit(id: number, limitGiB: number): Promise<void> {
    const group = `qgroups/1_${id}`;
    if (!this.quotasEnabled || !existsSync(join(this.sysfsDir, group))) return;
    const limitBytes = limitGiB * 1024 ** 3;
    // limit_flags & 2 is BTRFS_QGROUP_LIMIT_MAX_EXCL; in simple quotas exclusive and referenced are the same count.
    const flags = Number(this.readSysfs(`${group}/limit_flags`) ?? 0);
    if ((flags & 2) !== 0 && this.readSysfs(`${group}/max_exclusive`) === String(limitBytes)) return;
    await runCommand('btrfs', ['qgroup', 'limit', '-e', String(limitBytes), `1/${id}`, this.root]);
  }

  /**
   * Removes a sprite's quota group. btrfs drops a deleted subvolume's blocks in the background
   * and refuses to remove a group while its members are not gone, so a refusal is left for the
   * next start (`destroyStaleQgroups`).
   */
  async destroyQgroup(id: number): Promise<boolean> {
    if (!existsSync(join(this.sysfsDir, 'qgroups', `1_${id}`))) return true;
    return (await runCommand('btrfs', ['qgroup', 'destroy', `1/${id}`, this.root], { allowFailure: true })).exitCode === 0;
  }

  /** Removes level-1 quota groups that no sprite owns any more, and stale level-0 ones. */
  async destroyStaleQgroups(owned: ReadonlySet<number>): Promise<void> {
    if (!this.quotasEnabled) return;
    for (const entry of readdirSync(join(this.sysfsDir, 'qgroups'))) {
      const match = /^1_(\d+)$/.exec(entry);
      if (match !== null && !owned.has(Number(match[1]))) await this.destroyQgroup(Number(match[1]));
    }
    await runCommand('btrfs', ['qgroup', 'clear-stale', this.root], { allowFailure: true });
  }

  /**
   * The bytes charged to a quota group, read from sysfs: no process to start and no tree to
   * walk. Null when quotas are off or btrfs marks its counts inconsistent.
   */
  qgroupBytes(level: 0 | 1, id: number): number | null {
    return this.qgroupReader(level)(id);
  }

  /**
   * Reads the bytes of many quota groups (metering samples every sprite): whether the counts
   * can be trusted is read once, and each group costs one small sysfs read.
   */
  qgroupReader(level: 0 | 1): (id: number) => number | null {
    if (!this.quotasEnabled || this.readSysfs('qgroups/inconsistent') !== '0') return () => null;
    return (id) => {
      const bytes = this.readSysfs(`qgroups/${level}_${id}/exclusive`);
      return bytes === undefined ? null : Number(bytes);
    };
  }

  private readSysfs(relative: string): string | undefined {
    try {
      return readFileSync(join(this.sysfsDir, relative), 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  async setReadonly(path: string, readonly: boolean): Promise<void> {
    await runCommand('btrfs', ['property', 'set', '-ts', path, 'ro', String(readonly)]);
  }

  /**
   * Deletes a subvolume; a path that is gone already is not an error, so retries after a crash
   * are safe. A sprite can make subvolumes inside its own root (btrfs allows it to any user),
   * and btrfs will not delete a subvolume that holds others, so those go first.
   */
  async deleteSubvolume(path: string): Promise<void> {
    if (!existsSync(path)) return;
    const result = await runCommand('btrfs', ['-q', 'subvolume', 'delete', path], { allowFailure: true });
    if (result.exitCode === 0) return;
    const nested = await this.nestedSubvolumes(path);
    if (nested.length === 0) throw new Error(`btrfs subvolume delete ${path} failed: ${result.stderr.trim()}`);
    for (const inner of nested) await this.deleteSubvolume(inner);
    await runCommand('btrfs', ['-q', 'subvolume', 'delete', path]);
  }

  /**
   * Subvolumes directly inside `path` (deleteSubvolume recurses for deeper ones). Each subvolume
   * has a device number of its own, so `find -xdev` stops at them and lists their roots (inode
   * 256). This walks the tree, which is why it only runs after a delete failed.
   */
  private async nestedSubvolumes(path: string): Promise<string[]> {
    const result = await runCommand('find', [path, '-xdev', '-mindepth', '1', '-type', 'd', '-inum', '256', '-print0']);
    return result.stdout.split('\0').filter((entry) => entry !== '');
  }

  /**
   * Deletes every subvolume in a directory of the pool, looking `depth` levels down (not into
   * subvolumes: those are sprite roots and checkpoints, never walked), then the directory.
   */
  async deleteTree(dir: string, depth = 2): Promise<void> {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (this.isSubvolume(path)) await this.deleteSubvolume(path);
      else if (depth > 1) await this.deleteTree(path, depth - 1);
    }
    await rm(dir, { recursive: true, force: true });
  }

  isSubvolume(path: string): boolean {
    // Subvolume roots are the only directories on btrfs with inode number 256.
    try {
      return statSync(path).ino === 256;
    } catch {
      return false;
    }
  }

  /** The pool's size and free space, and the host filesystem's under a loop-file pool. */
  space(): PoolSpace {
    return { pool: diskSpace(this.root), host: this.hostDir === undefined ? null : diskSpace(this.hostDir) };
  }

  /** Unmounts a loop-file pool (tests and uninstall); a pool on the data dir's own btrfs stays. */
  async close(): Promise<void> {
    this.capacity.stop();
    if (this.loopFile !== undefined && isMountPoint(this.root)) {
      await runCommand('umount', [this.root]);
    }
  }
}

function diskSpace(path: string): DiskSpace {
  const stats = statfsSync(path);
  return { sizeBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
}

async function createLoopImage(image: string, sizeBytes: number, maxSizeGiB: number, log: Logger): Promise<void> {
  // Formatted under a temporary name and renamed when done, so a crash never leaves a file
  // that looks like a pool but is not one.
  const partial = `${image}.partial`;
  await rm(partial, { force: true });
  const handle = await open(partial, 'w', 0o600);
  await handle.truncate(sizeBytes);
  await handle.close();
  await runCommand('mkfs.btrfs', ['-q', '-L', 'hob-pool', partial]);
  await rename(partial, image);
  const sizeGiB = Number((sizeBytes / 1024 ** 3).toFixed(2));
  if (sizeGiB < maxSizeGiB) log.warn({ image, sizeGiB, maxSizeGiB }, 'created a sparse btrfs pool file smaller than --pool-size-gib, to fit the free space on the data dir\'s filesystem');
  else log.info({ image, sizeGiB }, 'created sparse btrfs pool file');
}

/** The sysfs directory of the btrfs filesystem mounted at `mountPoint`, named by its uuid. */
async function sysfsDirOf(mountPoint: string): Promise<string> {
  const result = await runCommand('btrfs', ['filesystem', 'show', '-m', mountPoint]);
  const uuid = /uuid: ([0-9a-f-]{36})/.exec(result.stdout)?.[1];
  if (uuid === undefined) throw new Error(`cannot find the uuid of the btrfs filesystem at ${mountPoint}: ${result.stdout.trim()}`);
  return join('/sys/fs/btrfs', uuid);
}

export function isMountPoint(path: string): boolean {
  const mountInfo = readFileSync('/proc/self/mountinfo', 'utf8');
  return mountInfo.split('\n').some((line) => line.split(' ')[4] === path);
}
