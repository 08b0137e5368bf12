/**
 * (q) What metering costs the server, measured with the sampler's own code: the CPU (user +
 * system, from process.cpuUsage) of one sample over `fakeN` real but empty cgroups (made by the
 * bench in the host's cgroup hierarchies: the kernel's own files, no processes) and over `realN`
 * running tiny sprites of a private server, each sample reading the sprites' real quota-group
 * files in the pool and writing its rows to a SQLite store like the server's. References in the
 * same run: reading one small cgroup file, and starting one process per sprite (`cat` of the same
 * file), which is what a sampler that shelled out per sprite would pay at least.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { HobClient } from '../src/client/client.js';
import { CgroupReader, CGROUP_ROOT } from '../src/server/metering/cgroups.js';
import { LIST_PRICES } from '../src/server/metering/prices.js';
import { UsageSampler } from '../src/server/metering/sampler.js';
import { newSpriteRecord } from '../src/server/sprites/records.js';
import { openDatabase, type Db } from '../src/server/store/db.js';
import { SpriteStore, type MeterableSprite } from '../src/server/store/sprites.js';
import { UsageStore } from '../src/server/store/usage.js';
import { BtrfsPool } from '../src/server/volumes/pool.js';
import { summarize, type Summary } from './stats.js';

/** The server's default sample interval: what a sample's CPU is a share of. */
export const SAMPLE_INTERVAL_MS = 5000;
const WARMUP_TICKS = 3;
const silent = pino({ level: 'silent' });

export interface MeteringResults {
  cgroupVersion: 'v1' | 'v2';
  fakeN: number;
  realN: number;
  ticks: number;
  /** CPU of one sample of `fakeN` empty cgroups, rows written. */
  tickEmpty: Summary;
  /** The same without the store (reads only). */
  readsEmpty: Summary;
  /** CPU of one sample of `realN` running sprites, rows written. */
  tickReal: Summary;
  /** Reading one small cgroup file (cpuacct.usage or cpu.stat). */
  readOneFile: Summary;
  /** One `cat` of that file as a process of its own, wall time. */
  spawnCat: Summary;
}

export interface MeteringBenchOptions {
  hob: HobClient;
  dataDir: string;
  prefix: string;
  fakeN: number;
  realN: number;
  ticks: number;
  runDir: string;
  log: (message: string) => void;
}

/** CPU milliseconds (user + system) `task` takes in this process. */
function cpuMs(task: () => void): number {
  const before = process.cpuUsage();
  task();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export class MeteringBench {
  private readonly cgroups: string[] = [];
  private readonly sprites: string[] = [];

  constructor(private readonly options: MeteringBenchOptions) {}

  async run(): Promise<MeteringResults> {
    const { hob, prefix, fakeN, realN, ticks, log } = this.options;
    const reader = new CgroupReader();
    const pool = await BtrfsPool.open(this.options.dataDir, 16, silent);

    log(`(q) ${realN} running sprites for the metering sample`);
    for (let i = 0; i < realN; i++) {
      const name = `${prefix}-meter-${i}`;
      await hob.createSprite({ name, image: 'tiny' });
      this.sprites.push(name);
    }
    const server = new Database(join(this.options.dataDir, 'hob.db'), { readonly: true, fileMustExist: true });
    const real = server.prepare(`SELECT id, name, qgroup FROM sprites WHERE name LIKE ? AND state = 'running'`).all(`${prefix}-meter-%`) as { id: string; name: string; qgroup: number | null }[]; // the columns selected
    server.close();
    if (real.length !== realN) throw new Error(`${real.length} of ${realN} metering sprites are running`);
    const qgroups = real.map((sprite) => sprite.qgroup ?? 0);

    log(`(q) ${fakeN} empty cgroups in the host's ${reader.version} hierarchies`);
    for (let i = 0; i < fakeN; i++) this.makeCgroup(`/${prefix}-meterfake-${i}`, reader.version);

    /** `sprites` answers the sampler's query each sample, as the server's store does; rows go to a SQLite file of its own. */
    const sampleOf = (sprites: () => MeterableSprite[], cgroupOf: (id: string) => string, qgroupOf: (qgroup: number) => number, db: Db, withStore: boolean): Summary => {
      const store = new UsageStore(db);
      const clock = { nowMs: Date.UTC(2026, 0, 1) };
      const sampler = new UsageSampler({
        sprites,
        cgroupOf,
        cgroups: reader,
        // The pool's own reader, on real quota groups.
        hotStorage: () => {
          const read = pool.qgroupReader(1);
          return (qgroup) => read(qgroupOf(qgroup));
        },
        store: withStore ? store : { record: () => undefined },
        prices: LIST_PRICES,
        intervalMs: SAMPLE_INTERVAL_MS,
        log: silent,
        now: () => clock.nowMs,
      });
      const samples: number[] = [];
      for (let i = -WARMUP_TICKS; i < ticks; i++) {
        clock.nowMs += SAMPLE_INTERVAL_MS;
        const ms = cpuMs(() => sampler.tick());
        if (i >= 0) samples.push(ms);
      }
      return summarize(samples);
    };

    // The empty cgroups' sprites are rows of a store like the server's, so each sample's query reads as many.
    const fakeDb = openDatabase(join(this.options.runDir, 'meter-fake.db'));
    const fakeSprites = new SpriteStore(fakeDb);
    for (let i = 0; i < fakeN; i++) {
      fakeSprites.insert(newSpriteRecord({ id: String(i), name: `fake-${i}`, image: 'tiny', state: 'running', config: { ramMiB: 256, cpus: 1, pidsMax: 100, storageGiB: 1, region: 'local' }, environment: {}, labels: [], urlSettings: { auth: 'sprite' }, qgroup: i, forkedFrom: null }));
    }
    const realDb = openDatabase(join(this.options.runDir, 'meter-real.db'));
    log(`(q) ${ticks} samples each: the empty cgroups with and without the store, then the running sprites`);
    const fakeCgroup = (id: string) => `/${prefix}-meterfake-${id}`;
    // Each empty cgroup's sprite takes the quota group of a running sprite, in turn.
    const sharedQgroup = (index: number) => qgroups[index % qgroups.length] ?? 0;
    const tickEmpty = sampleOf(() => fakeSprites.meterable(), fakeCgroup, sharedQgroup, fakeDb, true);
    const readsEmpty = sampleOf(() => fakeSprites.meterable(), fakeCgroup, sharedQgroup, fakeDb, false);
    const serverDb = new Database(join(this.options.dataDir, 'hob.db'), { readonly: true, fileMustExist: true });
    const serverSprites = new SpriteStore(serverDb);
    const tickReal = sampleOf(() => serverSprites.meterable().filter((sprite) => sprite.name.startsWith(`${prefix}-meter-`)), (id) => `/${prefix}-${id}`, (qgroup) => qgroup, realDb, true);
    serverDb.close();
    fakeDb.close();
    realDb.close();

    const file = reader.version === 'v1' ? join(CGROUP_ROOT, 'cpuacct', `${prefix}-meterfake-0`, 'cpuacct.usage') : join(CGROUP_ROOT, `${prefix}-meterfake-0`, 'cpu.stat');
    const readOne: number[] = [];
    const spawnOne: number[] = [];
    for (let i = 0; i < ticks; i++) {
      const t0 = performance.now();
      for (let j = 0; j < 100; j++) readFileSync(file, 'latin1');
      readOne.push((performance.now() - t0) / 100);
      const t1 = performance.now();
      spawnSync('cat', [file], { stdio: 'ignore' });
      spawnOne.push(performance.now() - t1);
    }
    return { cgroupVersion: reader.version, fakeN, realN, ticks, tickEmpty, readsEmpty, tickReal, readOneFile: summarize(readOne), spawnCat: summarize(spawnOne) };
  }

  private makeCgroup(path: string, version: 'v1' | 'v2'): void {
    const dirs = version === 'v1' ? [join(CGROUP_ROOT, 'cpuacct', path), join(CGROUP_ROOT, 'memory', path)] : [join(CGROUP_ROOT, path)];
    for (const dir of dirs) {
      mkdirSync(dir);
      this.cgroups.push(dir);
    }
  }

  /** Removes the empty cgroups and the sprites; safe to call twice, and after a failure. */
  async cleanup(): Promise<void> {
    for (const dir of this.cgroups.splice(0)) if (existsSync(dir)) rmdirSync(dir);
    for (const name of this.sprites.splice(0)) await this.options.hob.deleteSprite(name).catch(() => undefined);
  }
}
