/**
 * Checkpoint, restore and fork, timed at the client on one sprite holding first 10 MiB and then
 * 1 GiB of written data, next to references measured on the same tree in the same run: copying
 * the sprite's root with `cp -a` and a tar pipe, and a bare read-only btrfs snapshot of it.
 * Everything it makes (sprites, forks, checkpoints, copies, snapshots) is removed by cleanup(),
 * also after a failure.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SpritesClient } from '@fly/sprites';
import type { HobClient } from '../src/client/client.js';
import { HobError } from '../src/shared/errors.js';
import type { ProgressEvent } from '../src/shared/protocol.js';
import { mustSucceed, runLocal } from './exec-clients.js';
import { responseTimes } from './server-log.js';
import { summarize, type Summary } from './stats.js';

export const SMALL_MIB = 10;
export const LARGE_MIB = 1024;
const WARMUP = 2;

/** The server's restore steps, told apart by when each of its progress lines reaches the client. */
export const RESTORE_STEPS = ['request', 'stopAndAuto', 'newRoot', 'boot'] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];

export const RESTORE_STEP_LABELS: Record<RestoreStep, string> = {
  request: 'request → restore begins (HTTP, lock)',
  stopAndAuto: 'stop + automatic checkpoint of the old files',
  newRoot: 'new root: snapshot, swap, old root deleted',
  boot: 'boot: runc run -d → agent answers',
};

/** [from, to] progress lines of each step; `start` is the request, `complete` the last event. */
const RESTORE_MARKS: Record<RestoreStep, [string, string]> = {
  request: ['start', 'Restoring checkpoint'],
  stopAndAuto: ['Stopping sprite', 'Saved the current files'],
  newRoot: ['Replacing filesystem', 'Starting sprite'],
  boot: ['Starting sprite', 'complete'],
};

export interface CheckpointResults {
  n: number;
  copyN: number;
  /** Apparent size and number of entries of the sprite root the references copy. */
  treeBytes: number;
  treeFiles: number;
  checkpointSmall: Summary;
  /** Of the checkpoint call: from the server's "Saving filesystem state" line to `complete` (freeze, snapshot, thaw, mounted copy). */
  checkpointSmallSaving: Summary;
  checkpointLarge: Summary;
  checkpointLargeSaving: Summary;
  /** `btrfs subvolume snapshot -r` of the sprite's root by hand: the floor of a checkpoint. */
  rawSnapshotSmall: Summary;
  rawSnapshot: Summary;
  restoreToFirstExec: Summary;
  restore: Summary;
  restoreSteps: Record<RestoreStep, Summary>;
  restoreFirstExec: Summary;
  forkToFirstExec: Summary;
  fork: Summary;
  forkServer: Summary;
  forkFirstExec: Summary;
  forkCheckpointToFirstExec: Summary;
  forkCheckpoint: Summary;
  forkCheckpointServer: Summary;
  forkCheckpointFirstExec: Summary;
  /** `cp -a` as coreutils ≥ 9 runs it: `--reflink=auto`, so file data is cloned, not copied. */
  copyCp: Summary;
  copyCpFull: Summary;
  copyTar: Summary;
}

export interface CheckpointBenchOptions {
  hob: HobClient;
  sdk: SpritesClient;
  dataDir: string;
  prefix: string;
  /** The server's log, for its handling time of the fork requests. */
  logFile: string;
  n: number;
  copyN: number;
  log: (message: string) => void;
}

interface Mark {
  data: string;
  atMs: number;
}

export class CheckpointBench {
  private readonly name: string;
  private readonly copiesDir: string;
  private readonly sprites = new Set<string>();
  /** The newest checkpoint, which the sprite derives from; the next one replaces it. */
  private newest: string | undefined;

  constructor(private readonly o: CheckpointBenchOptions) {
    this.name = `${o.prefix}-bench-ck`;
    this.copiesDir = join(o.dataDir, 'pool', `bench-copies-${o.prefix}`);
  }

  async run(): Promise<CheckpointResults> {
    const { hob, n, log } = this.o;
    this.sprites.add(this.name);
    const sprite = await hob.createSprite({ name: this.name, image: 'tiny' });
    const root = join(this.o.dataDir, 'pool', 'sprites', sprite.id, 'root');
    mkdirSync(this.copiesDir, { recursive: true, mode: 0o700 });

    log(`(d) checkpoint with ${SMALL_MIB} MiB written, taking turns with a bare btrfs snapshot -r of the root, ${n} times`);
    await this.write(SMALL_MIB);
    const small = await this.checkpoints(n, root);
    log(`(d) checkpoint with ${LARGE_MIB} MiB written, taking turns with a bare btrfs snapshot -r of the root, ${n} times`);
    await this.write(LARGE_MIB);
    const large = await this.checkpoints(n, root);

    log(`(g) copying the ${LARGE_MIB} MiB sprite root with cp -a, cp -a --reflink=never and a tar pipe, ${this.o.copyN} times each`);
    const copies = await this.copies(root);
    const treeBytes = Number((await capture('du', ['-sb', '--apparent-size', root])).split('\t')[0]);
    const treeFiles = (await capture('find', [root, '-xdev'])).split('\n').filter(Boolean).length;

    log(`(e, f) restore → first exec, fork → first exec (current files and checkpoint ${large.lastId}), taking turns, ${n} times`);
    const { restore, steps, forks, served } = await this.restoresAndForks(n, large.lastId);
    await this.cleanup();
    return {
      n,
      copyN: this.o.copyN,
      treeBytes,
      treeFiles,
      checkpointSmall: summarize(small.call),
      checkpointSmallSaving: summarize(small.saving),
      rawSnapshotSmall: summarize(small.raw),
      checkpointLarge: summarize(large.call),
      checkpointLargeSaving: summarize(large.saving),
      rawSnapshot: summarize(large.raw),
      restoreToFirstExec: summarize(restore.total),
      restore: summarize(restore.call),
      restoreSteps: Object.fromEntries(RESTORE_STEPS.map((s) => [s, summarize(steps[s])])) as Record<RestoreStep, Summary>, // one summary per step
      restoreFirstExec: summarize(restore.exec),
      forkToFirstExec: summarize(forks.current.total),
      fork: summarize(forks.current.call),
      forkServer: summarize(served.filter((_, k) => k % 2 === 0)),
      forkFirstExec: summarize(forks.current.exec),
      forkCheckpointToFirstExec: summarize(forks.checkpoint.total),
      forkCheckpoint: summarize(forks.checkpoint.call),
      forkCheckpointServer: summarize(served.filter((_, k) => k % 2 === 1)),
      forkCheckpointFirstExec: summarize(forks.checkpoint.exec),
      copyCp: summarize(copies.cp),
      copyCpFull: summarize(copies.cpFull),
      copyTar: summarize(copies.tar),
    };
  }

  /**
   * Restores of `checkpoint` and forks of the sprite (its current files, then that checkpoint),
   * taking turns, each followed by a first exec; forks are deleted after it (not timed).
   */
  private async restoresAndForks(n: number, checkpoint: string) {
    const { hob, sdk } = this.o;
    const before = responseTimes(this.o.logFile, 'POST', '/v1/sprites').length;
    const restore = newTimes();
    const steps = Object.fromEntries(RESTORE_STEPS.map((s) => [s, [] as number[]])) as Record<RestoreStep, number[]>; // one list per step
    const forks = { current: newTimes(), checkpoint: newTimes() };
    for (let i = -WARMUP; i < n; i++) {
      const t0 = performance.now();
      const { marks } = await traced((onEvent) => hob.restoreCheckpoint(this.name, checkpoint, onEvent));
      const t1 = performance.now();
      await sdk.sprite(this.name).exec('true');
      const t2 = performance.now();
      await this.dropAutos();
      if (i >= 0) {
        restore.push(t0, t1, t2);
        for (const step of RESTORE_STEPS) {
          const ms = between(marks, t0, ...RESTORE_MARKS[step]);
          if (Number.isFinite(ms)) steps[step].push(ms);
        }
      }
      for (const [kind, source] of [
        ['current', { sprite: this.name }],
        ['checkpoint', { sprite: this.name, checkpoint }],
      ] as const) {
        const fork = `${this.o.prefix}-bench-fk-${kind === 'current' ? 'c' : 'k'}${i < 0 ? `w${-i}` : i}`;
        this.sprites.add(fork);
        const f0 = performance.now();
        await hob.forkSprite(fork, source);
        const f1 = performance.now();
        await sdk.sprite(fork).exec('true');
        const f2 = performance.now();
        await hob.deleteSprite(fork);
        this.sprites.delete(fork);
        if (i >= 0) forks[kind].push(f0, f1, f2);
      }
    }
    // The server logged the fork requests in the order they were made: current, checkpoint, current, ...
    const served = responseTimes(this.o.logFile, 'POST', '/v1/sprites').slice(before + 2 * WARMUP);
    return { restore, steps, forks, served };
  }

  /** Replaces /data/blob in the sprite with `mib` MiB of random bytes and syncs, all before any timing. */
  private async write(mib: number): Promise<void> {
    await this.o.sdk.sprite(this.name).execFile('sh', ['-c', `mkdir -p /data && head -c ${mib * 1024 * 1024} /dev/urandom > /data/blob && sync`]);
  }

  /**
   * Times `n` checkpoints (after warm-ups), each followed by a bare read-only snapshot of the
   * root, also timed, then deleted. The previous checkpoint is deleted after each one (not
   * timed), so every call finds the same checkpoints; the newest cannot go, since the sprite
   * derives from it.
   */
  private async checkpoints(n: number, root: string): Promise<{ call: number[]; saving: number[]; raw: number[]; lastId: string }> {
    const out = { call: [] as number[], saving: [] as number[], raw: [] as number[] };
    const snapshot = join(this.copiesDir, 'snapshot');
    for (let i = -WARMUP; i < n; i++) {
      const t0 = performance.now();
      const { last, marks } = await traced((onEvent) => this.o.hob.createCheckpoint(this.name, `bench ${i}`, onEvent));
      const t1 = performance.now();
      if (last.type !== 'complete' || last.id === undefined) throw new Error(`checkpoint made no id: ${JSON.stringify(last)}`);
      if (this.newest !== undefined) await this.o.hob.deleteCheckpoint(this.name, this.newest);
      this.newest = last.id;
      const t2 = performance.now();
      await mustSucceed('btrfs snapshot -r', runLocal('btrfs', ['-q', 'subvolume', 'snapshot', '-r', root, snapshot], 'ignore'));
      const t3 = performance.now();
      await mustSucceed('btrfs subvolume delete', runLocal('btrfs', ['-q', 'subvolume', 'delete', snapshot], 'ignore'));
      if (i < 0) continue;
      out.call.push(t1 - t0);
      out.raw.push(t3 - t2);
      const ms = between(marks, t0, 'Saving filesystem state', 'complete');
      if (Number.isFinite(ms)) out.saving.push(ms);
    }
    if (this.newest === undefined) throw new Error('no checkpoint was made');
    return { ...out, lastId: this.newest };
  }

  /** Each restore keeps the files it replaced as an automatic checkpoint; they go (untimed) so every restore does the same work. */
  private async dropAutos(): Promise<void> {
    for (const c of await this.o.hob.listCheckpoints(this.name, { includeAuto: true })) {
      if (c.is_auto) await this.o.hob.deleteCheckpoint(this.name, c.id);
    }
  }

  /**
   * The references: the sprite's root copied onto the same btrfs pool, taking turns. Each copy
   * is removed and the host synced after it (not timed), so none inherits another's writeback.
   */
  private async copies(root: string): Promise<{ cp: number[]; cpFull: number[]; tar: number[] }> {
    const out = { cp: [] as number[], cpFull: [] as number[], tar: [] as number[] };
    // One untimed read of the whole tree, so every copy reads it from the page cache.
    await mustSucceed('reading the tree', runLocal('bash', ['-o', 'pipefail', '-c', 'tar -cf - -C "$1" . | cat > /dev/null', 'bash', root], 'ignore'));
    const dest = join(this.copiesDir, 'copy');
    const commands: [keyof typeof out, string, string[]][] = [
      ['cp', 'cp', ['-a', root, dest]],
      ['cpFull', 'cp', ['-a', '--reflink=never', root, dest]],
      ['tar', 'bash', ['-o', 'pipefail', '-c', 'mkdir "$2" && tar -cf - -C "$1" . | tar -xf - -C "$2"', 'bash', root, dest]],
    ];
    for (let i = 0; i < this.o.copyN; i++) {
      for (const [key, file, args] of commands) {
        const started = performance.now();
        await mustSucceed(`${file} ${args.join(' ')}`, runLocal(file, args, 'ignore'));
        out[key].push(performance.now() - started);
        rmSync(dest, { recursive: true, force: true });
        await mustSucceed('sync', runLocal('sync', [], 'ignore'));
      }
    }
    return out;
  }

  /** Removes the sprites and forks (with their checkpoints), snapshots and copies it made; safe to call more than once. */
  async cleanup(): Promise<void> {
    for (const name of [...this.sprites]) {
      await this.o.hob.deleteSprite(name).catch((error: unknown) => {
        // Gone already, or the server is (an interrupt reaches it too): the data dir's removal takes the rest.
        if (error instanceof HobError && (error.code === 'not_found' || error.code === 'sprite_unavailable')) return;
        this.o.log(`deleting ${name}: ${String(error)}`);
      });
      this.sprites.delete(name);
    }
    if (!existsSync(this.copiesDir)) return;
    for (const entry of readdirSync(this.copiesDir)) {
      const path = join(this.copiesDir, entry);
      // A leftover read-only snapshot cannot be removed with rm.
      await runLocal('btrfs', ['-q', 'subvolume', 'delete', path], 'ignore');
    }
    rmSync(this.copiesDir, { recursive: true, force: true });
  }
}

/** Durations of call + first exec: from t0 to t2, t0 to t1 (the call) and t1 to t2 (the exec). */
function newTimes(): { total: number[]; call: number[]; exec: number[]; push: (t0: number, t1: number, t2: number) => void } {
  const times = {
    total: [] as number[],
    call: [] as number[],
    exec: [] as number[],
    push(t0: number, t1: number, t2: number): void {
      times.total.push(t2 - t0);
      times.call.push(t1 - t0);
      times.exec.push(t2 - t1);
    },
  };
  return times;
}

/** Runs a streamed operation, noting when each event arrives (info lines by their text); throws unless it completes. */
async function traced(call: (onEvent: (event: ProgressEvent) => void) => Promise<ProgressEvent>): Promise<{ last: ProgressEvent; marks: Mark[] }> {
  const marks: Mark[] = [];
  const last = await call((event) => marks.push({ data: event.type === 'info' ? event.data : event.type, atMs: performance.now() }));
  if (last.type !== 'complete') throw new Error(`operation failed: ${JSON.stringify(last)}`);
  return { last, marks };
}

/** Milliseconds from the first event starting with `from` (or `startMs` for 'start') to the first after it starting with `to`. */
function between(marks: Mark[], startMs: number, from: string, to: string): number {
  const fromIndex = from === 'start' ? -1 : marks.findIndex((m) => m.data.startsWith(from));
  if (from !== 'start' && fromIndex < 0) return Number.NaN;
  const fromMs = fromIndex < 0 ? startMs : (marks[fromIndex]?.atMs ?? Number.NaN);
  const toMark = marks.slice(fromIndex + 1).find((m) => m.data.startsWith(to));
  return toMark === undefined ? Number.NaN : toMark.atMs - fromMs;
}

async function capture(file: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(file, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
