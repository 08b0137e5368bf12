import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** One sprite's cgroup, read: CPU time since the cgroup was made, and memory in use now. */
export interface CgroupReading {
  cpuSeconds: number;
  memoryBytes: number;
}

/**
 * Reads a container's CPU and memory from its cgroup files: three small files a sprite, no
 * process started, so a sample costs the same per sprite however many there are. On a v1 (or
 * hybrid) host the counters live in the cpuacct and memory hierarchies, on a unified v2 host in
 * the one directory. Memory is the working set (what is in use less the file cache the kernel
 * may drop at once), as container tools report it.
 */
export class CgroupReader {
  readonly version: 'v1' | 'v2';

  constructor(private readonly root = CGROUP_ROOT) {
    // On a hybrid host /sys/fs/cgroup is a tmpfs of v1 hierarchies and the v2 one sits in `unified`.
    this.version = existsSync(join(root, 'cgroup.controllers')) ? 'v2' : 'v1';
  }

  /** The reading of the cgroup at `path` (relative to each hierarchy's root), or undefined if it is gone. */
  read(path: string): CgroupReading | undefined {
    try {
      return this.version === 'v1' ? this.readV1(path) : this.readV2(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // fs errors carry a code
      throw error;
    }
  }

  private readV1(path: string): CgroupReading {
    const cpuNs = Number(readFileSync(join(this.root, 'cpuacct', path, 'cpuacct.usage'), 'latin1'));
    const memoryDir = join(this.root, 'memory', path);
    const usage = Number(readFileSync(join(memoryDir, 'memory.usage_in_bytes'), 'latin1'));
    const inactiveFile = statField(readFileSync(join(memoryDir, 'memory.stat'), 'latin1'), 'total_inactive_file');
    return { cpuSeconds: cpuNs / 1e9, memoryBytes: Math.max(0, usage - inactiveFile) };
  }

  private readV2(path: string): CgroupReading {
    const dir = join(this.root, path);
    const cpuUs = statField(readFileSync(join(dir, 'cpu.stat'), 'latin1'), 'usage_usec');
    const current = Number(readFileSync(join(dir, 'memory.current'), 'latin1'));
    const inactiveFile = statField(readFileSync(join(dir, 'memory.stat'), 'latin1'), 'inactive_file');
    return { cpuSeconds: cpuUs / 1e6, memoryBytes: Math.max(0, current - inactiveFile) };
  }
}

/** The value of `key` in a flat-keyed cgroup file (`key value` lines); 0 if it has none. */
export function statField(text: string, key: string): number {
  const prefix = `${key} `;
  let at = 0;
  if (!text.startsWith(prefix)) {
    const found = text.indexOf(`\n${prefix}`);
    if (found === -1) return 0;
    at = found + 1;
  }
  const start = at + prefix.length;
  const end = text.indexOf('\n', start);
  return Number(text.slice(start, end === -1 ? undefined : end)) || 0;
}
