import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Holds `<dir>/.hob-lock` for the duration of `task`. Every debian build on a host shares one
 * package cache, and apt and debootstrap refuse (rather than wait) when another build holds
 * it, so builds by different servers or test runs queue here instead of failing.
 * A lock whose holder died is taken over: the pid inside names a process that is gone.
 */
export async function withCacheLock<T>(dir: string, onWait: () => void, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
  const lockPath = path.join(dir, '.hob-lock');
  const me = String(process.pid);
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(me);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // fs errors carry an errno code
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (!told) {
      onWait();
      told = true;
    }
    await sleep(1000, undefined, { signal });
  }
  try {
    return await task();
  } finally {
    if ((await readFile(lockPath, 'utf8').catch(() => '')) === me) await unlink(lockPath).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
