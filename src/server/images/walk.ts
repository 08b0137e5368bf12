import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

import { mountsUnder } from './mounts.js';

/**
 * Visits every inode of an image tree with lstat (symlinks are reported, never followed),
 * without descending into anything mounted below it.
 *
 * Synchronous fs calls in batches, not async ones: a walk is one lstat + maybe one lchown per
 * file, and each async call costs a thread-pool round trip that is several times the syscall
 * itself (measured: see ownership.ts). Yielding between batches keeps the server responsive.
 */

export interface WalkOptions {
  signal?: AbortSignal;
  /** Files per batch between yields to the event loop; also the progress interval. */
  batchSize?: number;
  onBatch?: (visited: number) => void;
}

export type Visitor = (hostPath: string, st: Stats) => void;

export async function walkTree(root: string, visit: Visitor, opts: WalkOptions = {}): Promise<number> {
  const base = await realpath(root);
  const mounts = new Set(await mountsUnder(base));
  const batchSize = opts.batchSize ?? 1000;
  const rootStat = lstatSync(base);
  visit(base, rootStat);
  let visited = 1;
  const dirs = rootStat.isDirectory() ? [base] : [];
  while (dirs.length > 0) {
    const dir = dirs.pop();
    if (dir === undefined) break;
    for (const name of readdirSync(dir)) {
      const hostPath = `${dir}/${name}`;
      const st = lstatSync(hostPath);
      visit(hostPath, st);
      if (st.isDirectory() && !mounts.has(hostPath)) dirs.push(hostPath);
      if (++visited % batchSize === 0) {
        opts.onBatch?.(visited);
        await yieldToEventLoop();
        opts.signal?.throwIfAborted();
      }
    }
  }
  return visited;
}
