import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** A filesystem's size and the bytes still free for writing in it (statfs's f_bavail). */
export interface DiskSpace {
  sizeBytes: number;
  freeBytes: number;
}

/**
 * The space sprites write into: the pool, and for a loop-file pool the host filesystem under
 * that file too (null when the pool is the data dir's own btrfs).
 */
export interface PoolSpace {
  pool: DiskSpace;
  host: DiskSpace | null;
}

export type CapacityLevel = 'ok' | 'low' | 'critical';

export interface CapacityReport {
  level: CapacityLevel;
  pool: DiskSpace;
  host: DiskSpace | null;
  /** One sentence per problem, with what to do about it; empty when the level is ok. */
  warnings: string[];
}

/** A new loop-file pool takes at most this share of the free space on the data dir's filesystem. */
export const LOOP_POOL_SHARE_OF_FREE = 0.8;
/** Below this a pool holds too little to be worth making: the debian image alone is ~440 MiB. */
export const MIN_LOOP_POOL_BYTES = 2 * GIB;

/**
 * The size of a new sparse loop-file pool: the configured size, cut down to a share of what the
 * host filesystem has free, so that filling the pool cannot fill the host's disk as well. The
 * size is whole MiB, as mkfs.btrfs works in blocks.
 */
export function loopPoolSizeBytes(configuredBytes: number, hostFreeBytes: number): number {
  if (configuredBytes < MIN_LOOP_POOL_BYTES) {
    throw new HobError('insufficient_storage', `--pool-size-gib must be at least ${MIN_LOOP_POOL_BYTES / GIB} for a new pool file`);
  }
  const sizeBytes = Math.floor(Math.min(configuredBytes, hostFreeBytes * LOOP_POOL_SHARE_OF_FREE) / MIB) * MIB;
  if (sizeBytes < MIN_LOOP_POOL_BYTES) {
    throw new HobError(
      'insufficient_storage',
      `the data dir's filesystem has only ${formatGiB(hostFreeBytes)} free; Hob's pool needs at least ${formatGiB(MIN_LOOP_POOL_BYTES / LOOP_POOL_SHARE_OF_FREE)} free to make a ${formatGiB(MIN_LOOP_POOL_BYTES)} pool file: free some space or pick another --data-dir`,
    );
  }
  return sizeBytes;
}

/**
 * Below this much free space creates are refused, so that the sprites already there keep room
 * to write: 5% of the pool, at least 512 MiB and at most 10 GiB. "Low" (a warning) is twice it.
 */
export function criticalFreeBytes(poolSizeBytes: number): number {
  return Math.min(10 * GIB, Math.max(512 * MIB, poolSizeBytes * 0.05));
}

export function lowFreeBytes(poolSizeBytes: number): number {
  return 2 * criticalFreeBytes(poolSizeBytes);
}

const SEVERITY: Record<CapacityLevel, number> = { ok: 0, low: 1, critical: 2 };

function worse(a: CapacityLevel, b: CapacityLevel): CapacityLevel {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

function levelOf(freeBytes: number, poolSizeBytes: number): CapacityLevel {
  if (freeBytes < criticalFreeBytes(poolSizeBytes)) return 'critical';
  if (freeBytes < lowFreeBytes(poolSizeBytes)) return 'low';
  return 'ok';
}

/**
 * Judges the space left. The pool's own free space is measured against thresholds scaled to
 * the pool's size. A loop-file pool can also run out because the host disk under its sparse
 * file fills first, which fails every sprite's writes at once with I/O errors rather than
 * ENOSPC: so the host's free space is held to the same thresholds, and is low as soon as it
 * cannot hold what the pool still promises.
 */
export function assessCapacity(space: PoolSpace): CapacityReport {
  const { pool, host } = space;
  const warnings: string[] = [];
  const poolLevel = levelOf(pool.freeBytes, pool.sizeBytes);
  if (poolLevel !== 'ok') {
    warnings.push(`the sprite pool has only ${formatGiB(pool.freeBytes)} free of ${formatGiB(pool.sizeBytes)}: destroy sprites or delete checkpoints you no longer need`);
  }
  let level = poolLevel;
  if (host !== null) {
    let hostLevel = levelOf(host.freeBytes, pool.sizeBytes);
    if (hostLevel === 'ok' && host.freeBytes < pool.freeBytes) hostLevel = 'low';
    if (hostLevel !== 'ok') {
      warnings.push(`the host disk under the pool file has only ${formatGiB(host.freeBytes)} free, less than the pool's ${formatGiB(pool.freeBytes)}: free space on the host, or sprites will fail with I/O errors when it runs out`);
    }
    level = worse(level, hostLevel);
  }
  return { level, pool, host, warnings };
}

/** Refuses a create when free space is critical, naming what is short. */
export function assertRoomToCreate(report: CapacityReport): void {
  if (report.level !== 'critical') return;
  throw new HobError('insufficient_storage', `not enough free disk space to create a sprite: ${report.warnings.join('; ')}`, {
    details: {
      pool_free_bytes: report.pool.freeBytes,
      pool_size_bytes: report.pool.sizeBytes,
      host_free_bytes: report.host?.freeBytes ?? null,
      refuse_below_bytes: criticalFreeBytes(report.pool.sizeBytes),
    },
  });
}

/** How often free space is checked (and a change of level logged) while nothing else asks. */
const CHECK_INTERVAL_MS = 60_000;

/**
 * Watches the pool's free space: reads it (two statfs calls, no process) whenever asked and
 * once a minute, and logs each change of level, so a filling disk shows in the log before
 * creates are refused.
 */
export class CapacityMonitor {
  private lastLevel: CapacityLevel | undefined;
  private lastWarnings = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly readSpace: () => PoolSpace,
    private readonly log: Logger,
  ) {}

  report(): CapacityReport {
    const report = assessCapacity(this.readSpace());
    this.logChange(report);
    return report;
  }

  /** Throws `insufficient_storage` when free space is below the refusal threshold. */
  requireRoomToCreate(): void {
    assertRoomToCreate(this.report());
  }

  start(): void {
    this.report();
    this.timer ??= setInterval(() => this.report(), CHECK_INTERVAL_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private logChange(report: CapacityReport): void {
    const warnings = report.warnings.join('\n');
    if (report.level === this.lastLevel && warnings === this.lastWarnings) return;
    const first = this.lastLevel === undefined;
    this.lastLevel = report.level;
    this.lastWarnings = warnings;
    const fields = { capacity: report.level, pool: report.pool, host: report.host, refuseCreatesBelowBytes: criticalFreeBytes(report.pool.sizeBytes) };
    if (report.level === 'ok') {
      this.log.info(fields, first ? 'disk space for sprites' : 'disk space for sprites is back above its thresholds');
    } else {
      this.log.warn({ ...fields, warnings: report.warnings }, report.level === 'critical' ? 'disk space for sprites is critical: creates are refused' : 'disk space for sprites is low');
    }
  }
}

function formatGiB(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}
