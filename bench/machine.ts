/** Facts about the machine a bench ran on, for the report. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';

export interface MachineFacts {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  runc: string;
  btrfs: string;
  pool: string;
  /** 1-minute load average when the bench started and when it ended: other work on the host skews every number. */
  loadBefore: number;
  loadAfter: number;
}

export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

const BTRFS_SUPER_MAGIC = 0x9123683e;

function firstLine(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')[0]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineFacts(dataDir: string, loadBefore: number): MachineFacts {
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    runc: firstLine('runc', ['--version']),
    btrfs: firstLine('btrfs', ['--version']),
    // Mirrors BtrfsPool.open: the data dir itself when it is btrfs, else a loop file in it.
    loadBefore,
    loadAfter: loadAverage(),
    pool: statfsSync(dataDir).type === BTRFS_SUPER_MAGIC ? 'btrfs (the data dir itself)' : 'btrfs on a sparse loop file (the data dir is not btrfs)',
  };
}
