import { writeFile } from 'node:fs/promises';

/**
 * Makes a command, and everything it starts, the first choice of the OOM killer in its sprite.
 * The agent keeps the score it was started with, so a command that runs the sprite out of
 * memory is killed instead of the agent that every other command depends on. Raising a score
 * needs no privilege; the command can lower it only back to the agent's.
 */
export function preferForOomKill(pid: number): void {
  writeFile(`/proc/${pid}/oom_score_adj`, '1000').catch(() => undefined);
}
