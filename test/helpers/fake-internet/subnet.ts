import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

/**
 * The base (last octet) of a /30 in `net24` (such as "198.51.100") that the host routes nothing
 * to yet: other tests and benches may hold one at the same time.
 */
export function freeSlash30(net24: string): number {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let attempt = 0; attempt < 64; attempt++) {
    const base = randomInt(1, 63) * 4;
    if (!routes.includes(`${net24}.${base}/30`) && !routes.includes(`${net24}.${base + 2} `)) return base;
  }
  throw new Error(`no free /30 in ${net24}.0/24`);
}
