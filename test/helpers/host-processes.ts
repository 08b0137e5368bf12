import { readFileSync, readdirSync } from 'node:fs';

/**
 * Host pids whose /proc files satisfy `matches`, given a reader of those files. A process that
 * exits during the scan is skipped, not an error.
 */
export function hostPidsWhere(matches: (read: (file: string) => string) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches((file) => readFileSync(`/proc/${entry}/${file}`, 'utf8'))) found.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

/** Host pids whose cgroup path names the container, in any controller. */
export function hostProcessesIn(containerId: string): number[] {
  return hostPidsWhere((read) => read('cgroup').includes(`/${containerId}`));
}
