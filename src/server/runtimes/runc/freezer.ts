import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * The cgroup freezer of a container, written directly: `runc pause`/`resume` would cost a runc
 * start each (tens of milliseconds), and a checkpoint pauses the sprite for as short as it can.
 * Works on cgroup v1 (and hybrid) hosts and on the unified v2 hierarchy.
 */
export class CgroupFreezer {
  constructor(private readonly cgroupPath: string) {}

  private get v1State(): string {
    return join(CGROUP_ROOT, 'freezer', this.cgroupPath, 'freezer.state');
  }

  private get v2Dir(): string {
    return join(CGROUP_ROOT, this.cgroupPath);
  }

  /** True once every task is frozen; false (and thawed again) if that did not happen in time. */
  async freeze(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (existsSync(this.v1State)) {
      await writeFile(this.v1State, 'FROZEN');
      // FREEZING means some task has not stopped yet (one in an uninterruptible sleep, say).
      while ((await readFile(this.v1State, 'utf8')).trim() !== 'FROZEN') {
        if (Date.now() > deadline) return this.giveUp();
        await sleep(1);
      }
      return true;
    }
    if (!existsSync(join(this.v2Dir, 'cgroup.freeze'))) throw new Error(`no freezer for cgroup ${this.cgroupPath}`);
    await writeFile(join(this.v2Dir, 'cgroup.freeze'), '1');
    while (!/^frozen 1$/m.test(await readFile(join(this.v2Dir, 'cgroup.events'), 'utf8'))) {
      if (Date.now() > deadline) return this.giveUp();
      await sleep(1);
    }
    return true;
  }

  async thaw(): Promise<void> {
    if (existsSync(this.v1State)) await writeFile(this.v1State, 'THAWED');
    else if (existsSync(join(this.v2Dir, 'cgroup.freeze'))) await writeFile(join(this.v2Dir, 'cgroup.freeze'), '0');
  }

  private async giveUp(): Promise<false> {
    await this.thaw();
    return false;
  }
}
