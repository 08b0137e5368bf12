/**
 * Memory readings for the sleep bench: what the kernel charges to a sprite's cgroup, and the
 * host's MemAvailable. Works on cgroup v1 (and hybrid) hosts and on the unified v2 hierarchy,
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

export function memAvailableBytes(): number {
  const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  if (match === null) throw new Error('/proc/meminfo has no MemAvailable line');
  return Number(match[1]) * 1024;
}

/** The median of several MemAvailable readings `gapMs` apart: one reading catches whatever else the host was doing. */
export async function sampleMemAvailable(samples: number, gapMs: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(gapMs);
    readings.push(memAvailableBytes());
  }
  readings.sort((a, b) => a - b);
  return readings[Math.floor(readings.length / 2)] ?? Number.NaN;
}
