/**
 * The sleep bench, each figure next to a reference measured in the same run: (l) an exec of
 * `true` through the SDK that wakes a sprite forced warm (`POST /sleep`), against the same exec
 * on it while running, and `POST /wake` of the warm sprite against the same request on a running
 * one (nothing to do); (m) the same for a sprite forced cold, against a cold create → first exec
 * in the same rounds; (n) what sleeping sprites hold: each frozen sprite's cgroup charge, and
 * the host's free memory with the sprites warm and cold. The server runs with
 * `--idle-timeout 0`, so only the bench puts sprites to sleep. Its sprites are removed by
 * cleanup(), also after a failure.
 */
import { totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpritesClient } from '@fly/sprites';
import type { HobClient } from '../src/client/client.js';
import { HobError } from '../src/shared/errors.js';
import { cgroupMemory, sampleHostMemory, type CgroupMemory, type HostMemory } from './memory.js';
import { responseTimes } from './server-log.js';
import { spread, summarize, type Spread, type Summary } from './stats.js';

const WARM_WARMUP = 3;
const COLD_WARMUP = 2;
/** Warm → cold cycles of the memory sprites: the differences between their readings are taken over seconds, so other work on the host moves them less. */
const MEM_CYCLES = 3;
const MEM_SAMPLES = 5;
const MEM_SAMPLE_GAP_MS = 100;
/** After the last sprite went cold, before free memory is read: exited processes' pages are freed by then. */
const SETTLE_MS = 300;

export interface WakeMemory {
  sprites: number;
  cycles: number;
  /** Each frozen sprite's cgroup charge and its parts, bytes, one value per sprite and cycle. */
  warmCgroup: Record<keyof CgroupMemory, Spread>;
  /** Cgroups still there after the sprites went cold, all cycles (none: a cold sprite has no processes). */
  coldCgroupsLeft: number;
  /** The host's free memory, each the median of a few readings: before the sprites were made, and after they were deleted. */
  before: HostMemory;
  after: HostMemory;
  /** The same with all of them warm, and then cold, one of each per cycle. */
  warm: HostMemory[];
  cold: HostMemory[];
  memTotalBytes: number;
}

export interface WakeResults {
  warmN: number;
  coldN: number;
  /** (l) SDK exec `true` on a sprite forced warm: the exec wakes it. */
  warmExec: Summary;
  /** (l) the same exec on the same sprite, running (the reference). */
  runningExec: Summary;
  /** (l) `POST /wake` of the warm sprite, round trip at the client. */
  warmWake: Summary;
  /** (l) the server's own handling of that request (its log). */
  warmWakeServer: Summary;
  /** (l) `POST /wake` of the running sprite: the API round trip with no wake in it. */
  runningWake: Summary;
  /** (m) SDK exec `true` on a sprite forced cold: the exec boots it. */
  coldExec: Summary;
  /** (m) `POST /wake` of the cold sprite, round trip at the client. */
  coldWake: Summary;
  coldWakeServer: Summary;
  /** (m) the first exec after that wake (a fresh agent). */
  coldWakeFirstExec: Summary;
  /** (m) cold create → first exec (no warm pool), in the same rounds: the reference. */
  coldCreate: Summary;
  memory: WakeMemory;
}

export interface WakeBenchOptions {
  hob: HobClient;
  sdk: SpritesClient;
  prefix: string;
  /** The server's log, for its handling time of the wake requests. */
  logFile: string;
  warmN: number;
  coldN: number;
  memorySprites: number;
  log: (message: string) => void;
}

export class WakeBench {
  private readonly sprites = new Set<string>();

  constructor(private readonly o: WakeBenchOptions) {}

  async run(): Promise<WakeResults> {
    const { prefix, log, warmN, coldN, memorySprites } = this.o;
    const name = await this.create(`${prefix}-bench-wake`);
    const wakePath = `/v1/sprites/${name}/wake`;

    log(`(l) exec that wakes a warm sprite and POST /wake, taking turns with the same on it running, ${warmN} times each`);
    const warm = await this.warmRounds(name);

    log(`(m) exec that boots a cold sprite and POST /wake, taking turns with a cold create → first exec, ${coldN} times each`);
    const cold = await this.coldRounds(name);
    await this.delete(name);

    log(`(n) memory of ${memorySprites} tiny sprites, warm then cold, ${MEM_CYCLES} times, each after one exec`);
    const memory = await this.memory(memorySprites);
    await this.cleanup();

    // Read last: the server's log reaches its file through a pipe, seconds behind at most.
    // Each warm round made two wake requests, the warm one first; each cold round one.
    const served = responseTimes(this.o.logFile, 'POST', wakePath);
    const warmCount = 2 * (WARM_WARMUP + warmN);
    if (served.length !== warmCount + COLD_WARMUP + coldN) throw new Error(`the server logged ${served.length} wake requests of ${name}, not ${warmCount + COLD_WARMUP + coldN}`);
    const warmServed = served.slice(2 * WARM_WARMUP, warmCount).filter((_, k) => k % 2 === 0);
    const coldServed = served.slice(warmCount + COLD_WARMUP);
    return {
      warmN,
      coldN,
      warmExec: summarize(warm.warmExec),
      runningExec: summarize(warm.runningExec),
      warmWake: summarize(warm.warmWake),
      warmWakeServer: summarize(warmServed),
      runningWake: summarize(warm.runningWake),
      coldExec: summarize(cold.coldExec),
      coldWake: summarize(cold.coldWake),
      coldWakeServer: summarize(coldServed),
      coldWakeFirstExec: summarize(cold.firstExec),
      coldCreate: summarize(cold.create),
      memory,
    };
  }

  /** Deletes what run() made; sprites that are gone already are skipped. */
  async cleanup(): Promise<void> {
    for (const name of [...this.sprites]) await this.delete(name);
  }

  /** Per round: warm → exec (timed), exec again (timed, running); warm → POST /wake (timed), again (timed, running). */
  private async warmRounds(name: string) {
    const sprite = this.o.sdk.sprite(name);
    const out = { warmExec: [] as number[], runningExec: [] as number[], warmWake: [] as number[], runningWake: [] as number[] };
    for (let i = -WARM_WARMUP; i < this.o.warmN; i++) {
      await this.sleep(name, false);
      const warmExec = await timed(() => sprite.exec('true'));
      const runningExec = await timed(() => sprite.exec('true'));
      await this.sleep(name, false);
      const warmWake = await timed(() => this.wake(name));
      const runningWake = await timed(() => this.wake(name));
      if (i < 0) continue;
      out.warmExec.push(warmExec);
      out.runningExec.push(runningExec);
      out.warmWake.push(warmWake);
      out.runningWake.push(runningWake);
    }
    return out;
  }

  /** Per round: cold → exec (timed); cold → POST /wake (timed) → first exec (timed); a cold create → first exec (timed) and its deletion. */
  private async coldRounds(name: string) {
    const { sdk, prefix } = this.o;
    const sprite = sdk.sprite(name);
    const out = { coldExec: [] as number[], coldWake: [] as number[], firstExec: [] as number[], create: [] as number[] };
    for (let i = -COLD_WARMUP; i < this.o.coldN; i++) {
      await this.sleep(name, true);
      const coldExec = await timed(() => sprite.exec('true'));
      await this.sleep(name, true);
      const coldWake = await timed(() => this.wake(name));
      const firstExec = await timed(() => sprite.exec('true'));
      const fresh = `${prefix}-bench-wc${i < 0 ? `w${-i}` : i}`;
      this.sprites.add(fresh);
      const create = await timed(async () => {
        const created = await sdk.createSprite(fresh);
        await created.exec('true');
      });
      await this.delete(fresh);
      if (i < 0) continue;
      out.coldExec.push(coldExec);
      out.coldWake.push(coldWake);
      out.firstExec.push(firstExec);
      out.create.push(create);
    }
    return out;
  }

  /**
   * The host's free memory before any of the sprites exist; then `n` tiny sprites are created, and in each
   * cycle each one is given one exec (which boots it again after the first cycle), all are made
   * warm (their cgroups read while frozen), then cold, with the host's free memory read in both
   * states; at the end all are deleted and it is read again, which should be back where it began.
   */
  private async memory(n: number): Promise<WakeMemory> {
    const { hob, sdk, prefix } = this.o;
    const names = Array.from({ length: n }, (_, i) => `${prefix}-bench-m${i}`);
    const before = await sampleHostMemory(MEM_SAMPLES, MEM_SAMPLE_GAP_MS);
    const containers: string[] = [];
    for (const name of names) {
      const { id } = await hob.getSprite(await this.create(name));
      containers.push(`${prefix}-${id}`);
    }
    const charges: CgroupMemory[] = [];
    const warm: HostMemory[] = [];
    const cold: HostMemory[] = [];
    let coldCgroupsLeft = 0;
    for (let cycle = 0; cycle < MEM_CYCLES; cycle++) {
      for (const name of names) await sdk.sprite(name).exec('true');
      for (const name of names) await this.sleep(name, false);
      for (const id of containers) {
        const charge = cgroupMemory(id);
        if (charge === undefined) throw new Error(`warm sprite ${id} has no memory cgroup`);
        charges.push(charge);
      }
      warm.push(await sampleHostMemory(MEM_SAMPLES, MEM_SAMPLE_GAP_MS));
      for (const name of names) await this.sleep(name, true);
      coldCgroupsLeft += containers.filter((id) => cgroupMemory(id) !== undefined).length;
      await sleep(SETTLE_MS);
      cold.push(await sampleHostMemory(MEM_SAMPLES, MEM_SAMPLE_GAP_MS));
    }
    for (const name of names) await this.delete(name);
    await sleep(SETTLE_MS);
    const after = await sampleHostMemory(MEM_SAMPLES, MEM_SAMPLE_GAP_MS);
    const part = (key: keyof CgroupMemory) => spread(charges.map((c) => c[key]));
    return {
      sprites: n,
      cycles: MEM_CYCLES,
      warmCgroup: { usageBytes: part('usageBytes'), anonBytes: part('anonBytes'), fileBytes: part('fileBytes'), kernelBytes: part('kernelBytes') },
      coldCgroupsLeft,
      before,
      after,
      warm,
      cold,
      memTotalBytes: totalmem(),
    };
  }

  private async create(name: string): Promise<string> {
    this.sprites.add(name);
    await this.o.hob.createSprite({ name, image: 'tiny' });
    return name;
  }

  /** Forces the sprite to sleep and checks that it did: a sprite that stayed running would time a plain exec as a wake. */
  private async sleep(name: string, cold: boolean): Promise<void> {
    const { status } = await this.o.hob.sleepSprite(name, { cold });
    const wanted = cold ? 'cold' : 'warm';
    if (status !== wanted) throw new Error(`sprite ${name} is ${status} after POST /sleep, not ${wanted}`);
  }

  private async wake(name: string): Promise<void> {
    const { status } = await this.o.hob.wakeSprite(name);
    if (status !== 'running') throw new Error(`sprite ${name} is ${status} after POST /wake`);
  }

  private async delete(name: string): Promise<void> {
    await this.o.hob.deleteSprite(name).catch((error: unknown) => {
      // Gone already, or the server is (an interrupt reaches it too): the data dir's removal takes the rest.
      if (error instanceof HobError && (error.code === 'not_found' || error.code === 'sprite_unavailable')) return;
      this.o.log(`deleting ${name}: ${String(error)}`);
    });
    this.sprites.delete(name);
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
