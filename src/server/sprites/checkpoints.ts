import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { CURRENT_STATE, type CheckpointJson, type DiffJson } from '../../shared/protocol.js';
import type { Runtime } from '../runtimes/runtime.js';
import type { CheckpointRecord, CheckpointStore } from '../store/checkpoints.js';
import type { SpriteRecord } from '../store/sprites.js';
import { crashPoint } from '../util/crash-point.js';
import { diffSubvolumes } from '../volumes/diff.js';
import type { BtrfsPool } from '../volumes/pool.js';
import { CHECKPOINTS_DIR_MODE, checkpointPath, makeMountedDir } from './layout.js';
import type { SpriteLifecycle } from './lifecycle.js';
import type { SpriteRegistry } from './registry.js';
import { assertTransition } from './states.js';

/** How many of the newest (user) checkpoints a sprite sees at /.sprite/checkpoints. */
export const MOUNTED_CHECKPOINTS = 5;
/** How many automatic checkpoints (taken before each restore) are kept. */
export const AUTO_CHECKPOINTS_KEPT = 5;
/** The longest a checkpoint waits for a sprite's processes to pause before snapshotting them live. */
const FREEZE_TIMEOUT_MS = 2000;

export interface CheckpointServiceDeps {
  registry: SpriteRegistry;
  /** Stops a sprite before a restore and boots it after. */
  lifecycle: Pick<SpriteLifecycle, 'stop' | 'start' | 'admitted'>;
  checkpoints: CheckpointStore;
  pool: BtrfsPool;
  runtime: Runtime;
  /** The host uid of root in a sprite: it owns the mounted checkpoints directory, so only the sprite can list it. */
  sandboxRootUid: number;
  log: Logger;
}

/** Progress lines of a long operation, for its NDJSON stream. */
export type Progress = (message: string) => void;

/**
 * Checkpoints, restore and diff, all on btrfs snapshots: a checkpoint is a read-only snapshot of
 * a sprite's root taken while its processes are frozen, a restore swaps in a writable snapshot
 * of one. Each step is recorded before it is done, so `reconcile` can finish or undo any of
 * them after a crash.
 */
export class CheckpointService {
  private readonly registry: SpriteRegistry;

  constructor(private readonly deps: CheckpointServiceDeps) {
    this.registry = deps.registry;
  }

  async create(name: string, comment: string | null, progress: Progress): Promise<CheckpointRecord> {
    return this.registry.exclusive(name, async (record) => {
      progress('Creating checkpoint...');
      const checkpoint = await this.take(record, { isAuto: false, comment }, progress);
      await this.arrangeMounted(record);
      this.deps.log.info({ sprite: name, checkpoint: checkpoint.id }, 'checkpoint created');
      return checkpoint;
    });
  }

  /** Records, snapshots (frozen, if the sprite runs) and marks ready one checkpoint. */
  private async take(record: SpriteRecord, input: { isAuto: boolean; comment: string | null }, progress: Progress): Promise<CheckpointRecord> {
    const paths = this.registry.paths(record);
    const checkpoint = this.deps.checkpoints.begin(record.id, { ...input, sourceId: record.currentCheckpoint });
    crashPoint('checkpoint:recorded');
    mkdirSync(paths.checkpointsDir, { recursive: true, mode: CHECKPOINTS_DIR_MODE });
    progress('Saving filesystem state...');
    await this.frozen(record, progress, async () => {
      await this.deps.pool.snapshot(paths.root, checkpointPath(paths, checkpoint.id), { readonly: true, qgroup: record.qgroup });
      crashPoint('checkpoint:frozen');
    });
    crashPoint('checkpoint:snapshotted');
    this.deps.checkpoints.finish(checkpoint);
    return checkpoint;
  }

  /** Runs `task` with the sprite's processes paused if it is running, so they all see one instant. */
  async frozen<T>(record: SpriteRecord, progress: Progress, task: () => Promise<T>): Promise<T> {
    if (record.state !== 'running' || !this.deps.runtime.capabilities.freeze) return task();
    const id = this.registry.containerId(record);
    const paused = await this.deps.runtime.freeze(id, FREEZE_TIMEOUT_MS).catch((error: unknown) => {
      this.deps.log.warn({ sprite: record.name, err: error }, 'could not freeze the sprite');
      return false;
    });
    if (!paused) progress('Some processes could not be paused; saving the files as they are');
    try {
      return await task();
    } finally {
      if (paused) await this.deps.runtime.thaw(id);
    }
  }

  list(name: string, options: { includeAuto: boolean; history?: string }): CheckpointJson[] {
    const record = this.registry.get(name);
    const all = this.deps.checkpoints.list(record.id, { includeAuto: true });
    const toJson = checkpointJson(all);
    const json = all.map(toJson);
    return json.filter((checkpoint) => {
      if (!options.includeAuto && checkpoint.is_auto) return false;
      return options.history === undefined || checkpoint.id === options.history || checkpoint.history.includes(options.history);
    });
  }

  get(name: string, id: string): CheckpointJson {
    const record = this.registry.get(name);
    const checkpoint = this.require(record, id);
    return checkpointJson(this.deps.checkpoints.list(record.id, { includeAuto: true }))(checkpoint);
  }

  private require(record: SpriteRecord, id: string): CheckpointRecord {
    const checkpoint = this.deps.checkpoints.get(record.id, id);
    if (checkpoint === undefined) throw new HobError('not_found', `checkpoint ${id} of sprite ${record.name} not found`);
    return checkpoint;
  }

  async delete(name: string, id: string): Promise<void> {
    await this.registry.exclusive(name, async (record) => {
      this.require(record, id);
      if (record.currentCheckpoint === id) {
        throw new HobError('conflict', `checkpoint ${id} is the one sprite ${name} currently derives from; make or restore another checkpoint first`);
      }
      this.deps.checkpoints.setState(record.id, id, 'deleting');
      crashPoint('checkpoint-delete:recorded');
      await this.removeCheckpoint(record, id);
      await this.arrangeMounted(record);
      this.deps.log.info({ sprite: name, checkpoint: id }, 'checkpoint deleted');
    });
  }

  private async removeCheckpoint(record: SpriteRecord, id: string): Promise<void> {
    const paths = this.registry.paths(record);
    await this.deps.pool.deleteSubvolume(join(paths.mountedDir, id));
    await this.deps.pool.deleteSubvolume(checkpointPath(paths, id));
    this.deps.checkpoints.delete(record.id, id);
  }

  /**
   * Brings a sprite's files back to a checkpoint: its processes stop (sessions end), its current
   * files are kept as an automatic checkpoint so nothing is lost, a writable snapshot of the
   * checkpoint becomes its root, and it starts again.
   */
  async restore(name: string, id: string, progress: Progress): Promise<void> {
    // It ends running: spend limits and the cap on running sprites are asked first, before anything changes.
    await this.deps.lifecycle.admitted(this.registry.get(name), () => this.restoreAdmitted(name, id, progress));
  }

  private async restoreAdmitted(name: string, id: string, progress: Progress): Promise<void> {
    await this.registry.exclusive(name, async (record) => {
      this.require(record, id);
      progress(`Restoring checkpoint ${id}...`);
      if (record.state === 'running' || record.state === 'warm') {
        progress('Stopping sprite...');
        await this.deps.lifecycle.stop(record);
        record = { ...record, state: 'stopped' };
      }
      crashPoint('restore:stopped');
      const auto = await this.take(record, { isAuto: true, comment: `before restoring ${id}` }, () => undefined);
      progress(`Saved the current files as ${auto.id}`);
      assertTransition(name, record.state, 'restoring');
      this.deps.registry.store.beginRestore(record.id, id);
      crashPoint('restore:recorded');
      progress('Replacing filesystem...');
      try {
        await this.swapRoot(record, id);
      } catch (error) {
        // The sprite keeps whichever root it has whole; its old one if the swap did not happen.
        await this.repairRoot(record);
        this.deps.registry.store.abortRestore(record.id);
        throw error;
      }
      crashPoint('restore:swapped');
      this.deps.registry.store.finishRestore(record.id, id);
      await this.deps.pool.deleteSubvolume(this.registry.paths(record).previousRoot);
      await this.pruneAutos(record);
      progress('Starting sprite...');
      await this.deps.lifecycle.start(this.registry.get(name));
      this.deps.log.info({ sprite: name, checkpoint: id }, 'checkpoint restored');
    });
  }

  /**
   * Makes a writable snapshot of the checkpoint the sprite's root. Safe to run again from any
   * point it was stopped at: the new root is made aside and swapped in by two renames, and a
   * root found missing means the swap was cut between them.
   */
  private async swapRoot(record: SpriteRecord, id: string): Promise<void> {
    const paths = this.registry.paths(record);
    const { pool } = this.deps;
    if (!existsSync(paths.root) && existsSync(paths.nextRoot)) {
      renameSync(paths.nextRoot, paths.root);
      return;
    }
    if (!existsSync(paths.root) && existsSync(paths.previousRoot)) renameSync(paths.previousRoot, paths.root);
    await pool.deleteSubvolume(paths.nextRoot);
    await pool.snapshot(checkpointPath(paths, id), paths.nextRoot, { readonly: false, qgroup: record.qgroup });
    crashPoint('restore:next-made');
    await pool.deleteSubvolume(paths.previousRoot);
    renameSync(paths.root, paths.previousRoot);
    crashPoint('restore:root-moved');
    renameSync(paths.nextRoot, paths.root);
  }

  /** Outside a restore, a sprite has exactly one root: a swap cut short is undone and its leftovers removed. */
  private async repairRoot(record: SpriteRecord): Promise<void> {
    const paths = this.registry.paths(record);
    if (!existsSync(paths.root) && existsSync(paths.previousRoot)) renameSync(paths.previousRoot, paths.root);
    await this.deps.pool.deleteSubvolume(paths.nextRoot);
    await this.deps.pool.deleteSubvolume(paths.previousRoot);
  }

  /** Keeps the newest automatic checkpoints; older ones go, except one the sprite was restored to. */
  private async pruneAutos(record: SpriteRecord): Promise<void> {
    const current = this.registry.get(record.name).currentCheckpoint;
    const autos = this.deps.checkpoints.list(record.id, { includeAuto: true }).filter((c) => c.isAuto && c.id !== current);
    for (const old of autos.slice(AUTO_CHECKPOINTS_KEPT)) {
      this.deps.checkpoints.setState(record.id, old.id, 'deleting');
      await this.removeCheckpoint(record, old.id);
    }
  }

  /**
   * Makes the mounted directory hold exactly the newest checkpoints. Read-only subvolumes cannot
   * be moved between directories, so the mounted ones are snapshots of the checkpoints (sharing
   * every block), made and dropped as checkpoints come and go.
   */
  private async arrangeMounted(record: SpriteRecord): Promise<void> {
    const paths = this.registry.paths(record);
    makeMountedDir(paths, this.deps.sandboxRootUid);
    const wanted = mountedIds(this.deps.checkpoints.list(record.id, { includeAuto: false }));
    for (const entry of readdirSync(paths.mountedDir)) {
      if (!wanted.has(entry)) await this.deps.pool.deleteSubvolume(join(paths.mountedDir, entry));
    }
    for (const id of wanted) {
      const target = join(paths.mountedDir, id);
      if (!existsSync(target)) await this.deps.pool.snapshot(checkpointPath(paths, id), target, { readonly: true, qgroup: record.qgroup });
    }
  }

  /** What changed going from `from` to `to`; either may be `current`, the sprite's files now. */
  async diff(name: string, from: string, to: string, limit: number): Promise<DiffJson> {
    return this.registry.exclusive(name, async (record) => {
      const paths = this.registry.paths(record);
      const scratch: string[] = [];
      // btrfs send compares read-only subvolumes: the current files get a short-lived snapshot.
      const resolve = async (id: string): Promise<string> => {
        if (id !== CURRENT_STATE) {
          this.require(record, id);
          return checkpointPath(paths, id);
        }
        mkdirSync(paths.scratchDir, { recursive: true, mode: 0o700 });
        const snapshot = join(paths.scratchDir, `diff-${randomBytes(4).toString('hex')}`);
        await this.deps.pool.snapshot(paths.root, snapshot, { readonly: true });
        scratch.push(snapshot);
        return snapshot;
      };
      try {
        const fromPath = await resolve(from);
        const toPath = from === to ? fromPath : await resolve(to);
        const result = await diffSubvolumes(fromPath, toPath, { limit });
        return { from, to, ...result };
      } finally {
        for (const snapshot of scratch) await this.deps.pool.deleteSubvolume(snapshot);
      }
    });
  }

  /** A snapshot of a sprite's files (now, or at a checkpoint) at `target`, for a fork. */
  async snapshotFor(sourceName: string, checkpoint: string | undefined, target: string, qgroup: number | null): Promise<void> {
    await this.registry.exclusive(sourceName, async (source) => {
      const paths = this.registry.paths(source);
      if (checkpoint !== undefined) {
        this.require(source, checkpoint);
        await this.deps.pool.snapshot(checkpointPath(paths, checkpoint), target, { readonly: false, qgroup });
        return;
      }
      await this.frozen(source, () => undefined, () => this.deps.pool.snapshot(paths.root, target, { readonly: false, qgroup }));
    });
  }

  /**
   * After a crash: half-made checkpoints are dropped, half-done deletes and restores finished,
   * and snapshots no checkpoint owns removed, so the list and the disk agree.
   */
  async reconcile(record: SpriteRecord): Promise<void> {
    const { log, pool } = this.deps;
    const paths = this.registry.paths(record);
    for (const checkpoint of this.deps.checkpoints.all(record.id)) {
      if (checkpoint.state === 'ready') {
        if (existsSync(checkpointPath(paths, checkpoint.id))) continue;
        log.error({ sprite: record.name, checkpoint: checkpoint.id }, 'a checkpoint has no snapshot on disk; dropping it from the list');
      } else {
        log.warn({ sprite: record.name, checkpoint: checkpoint.id, state: checkpoint.state }, 'finishing a checkpoint operation interrupted by a restart');
      }
      await this.removeCheckpoint(record, checkpoint.id);
    }
    if (record.state === 'restoring' && record.restoringTo !== null) {
      log.warn({ sprite: record.name, checkpoint: record.restoringTo }, 'finishing a restore interrupted by a restart');
      if (this.deps.checkpoints.get(record.id, record.restoringTo) !== undefined) {
        await this.swapRoot(record, record.restoringTo);
        this.deps.registry.store.finishRestore(record.id, record.restoringTo);
      } else {
        this.deps.registry.store.abortRestore(record.id);
      }
    }
    await this.repairRoot(record);
    await pool.deleteTree(paths.scratchDir, 1);
    const known = new Set(this.deps.checkpoints.all(record.id).map((c) => c.id));
    for (const entry of existsSync(paths.checkpointsDir) ? readdirSync(paths.checkpointsDir) : []) {
      if (known.has(entry)) continue;
      log.warn({ sprite: record.name, snapshot: entry }, 'removing a snapshot no checkpoint owns');
      await pool.deleteSubvolume(join(paths.checkpointsDir, entry));
    }
    await this.arrangeMounted(record);
  }
}

/**
 * Turns checkpoints of one sprite into their JSON; `all` (every ready one, newest first) gives
 * each its history and tells which are mounted, worked out once for a whole list.
 */
function checkpointJson(all: CheckpointRecord[]): (checkpoint: CheckpointRecord) => CheckpointJson {
  const byId = new Map(all.map((c) => [c.id, c]));
  const mounted = mountedIds(all);
  return (checkpoint) => {
    const history: string[] = [];
    for (let source = checkpoint.sourceId; source !== null && !history.includes(source); source = byId.get(source)?.sourceId ?? null) {
      history.push(source);
    }
    return {
      id: checkpoint.id,
      create_time: checkpoint.createdAt,
      ...(checkpoint.sourceId === null ? {} : { source_id: checkpoint.sourceId }),
      ...(checkpoint.comment === null ? {} : { comment: checkpoint.comment }),
      is_auto: checkpoint.isAuto,
      history,
      mounted: mounted.has(checkpoint.id),
    };
  };
}

function mountedIds(checkpoints: CheckpointRecord[]): Set<string> {
  // Callers pass checkpoints newest first.
  return new Set(checkpoints.filter((c) => !c.isAuto && c.state === 'ready').slice(0, MOUNTED_CHECKPOINTS).map((c) => c.id));
}
