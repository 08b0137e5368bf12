/**
 * Memory readings for the sleep bench: what the kernel charges to a sprite's cgroup, and the
 * host's free memory. Works on cgroup v1 (and hybrid) hosts and on the unified v2 hierarchy,
 * as the server's freezer does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** One cgroup's charge, bytes. The parts add up to the charge. */
export interface CgroupMemory {
  usageBytes: number;
  /** Anonymous memory: the processes' heaps and stacks. */
  anonBytes: number;
  /** Page cache first touched by the sprite (files it read or wrote). */
  fileBytes: number;
  /** The rest: kernel objects (page tables, slab, sockets) charged to the cgroup. */
  kernelBytes: number;
}

/** The memory charge of the cgroup the spec put the container in (`/<id>`), or undefined if there is none. */
export function cgroupMemory(containerId: string): CgroupMemory | undefined {
  const v1 = join(CGROUP_ROOT, 'memory', containerId);
  if (existsSync(join(v1, 'memory.usage_in_bytes'))) {
    const stat = statFields(join(v1, 'memory.stat'));
    return split(readNumber(join(v1, 'memory.usage_in_bytes')), stat.get('total_rss') ?? 0, stat.get('total_cache') ?? 0);
  }
  const v2 = join(CGROUP_ROOT, containerId);
  if (existsSync(join(v2, 'memory.current'))) {
    const stat = statFields(join(v2, 'memory.stat'));
    return split(readNumber(join(v2, 'memory.current')), stat.get('anon') ?? 0, stat.get('file') ?? 0);
  }
  return undefined;
}

function split(usageBytes: number, anonBytes: number, fileBytes: number): CgroupMemory {
  return { usageBytes, anonBytes, fileBytes, kernelBytes: Math.max(0, usageBytes - anonBytes - fileBytes) };
}

function readNumber(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

function statFields(file: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [key, value] = line.split(' ');
    if (key !== undefined && value !== undefined) fields.set(key, Number(value));
  }
  return fields;
}

/** One reading of the host's free memory, bytes. */
export interface HostMemory {
  /** MemAvailable from /proc/meminfo. */
  memAvailable: number;
  /**
   * Free pages on the kernel's per-CPU lists (/proc/zoneinfo `count`), which MemFree and so
   * MemAvailable leave out. Pages a process frees land there first, and with the per-CPU list
   * sizes the kernel tunes itself (6.7 and later) they can hold hundreds of MiB for a while.
   */
  perCpuFree: number;
}

/** Free memory as a reading counts it: MemAvailable and the per-CPU free pages. */
export function available(reading: HostMemory): number {
  return reading.memAvailable + reading.perCpuFree;
}

const PAGE_BYTES = 4096;

function readHostMemory(): HostMemory {
  const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  if (match === null) throw new Error('/proc/meminfo has no MemAvailable line');
  let pages = 0;
  for (const count of readFileSync('/proc/zoneinfo', 'utf8').matchAll(/^\s+count:\s+(\d+)$/gm)) pages += Number(count[1]);
  return { memAvailable: Number(match[1]) * 1024, perCpuFree: pages * PAGE_BYTES };
}

/** The median (by available()) of several readings `gapMs` apart: one reading catches whatever else the host was doing. */
export async function sampleHostMemory(samples: number, gapMs: number): Promise<HostMemory> {
  const readings: HostMemory[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(gapMs);
    readings.push(readHostMemory());
  }
  readings.sort((a, b) => available(a) - available(b));
  const median = readings[Math.floor(readings.length / 2)];
  if (median === undefined) throw new Error('no memory readings taken');
  return median;
}
