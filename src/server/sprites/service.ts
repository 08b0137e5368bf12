import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { assertValidName } from '../../shared/names.js';
import type { SpriteJson, SpriteSourceJson } from '../../shared/protocol.js';
import { HOB_VERSION } from '../../shared/version.js';
import type { ServerConfig } from '../config.js';
import type { ImageRegistry } from '../images/registry.js';
import type { Runtime, SandboxSpec } from '../runtimes/runtime.js';
import type { CheckpointStore } from '../store/checkpoints.js';
import type { SpriteRecord, SpriteStore } from '../store/sprites.js';
import { crashPoint } from '../util/crash-point.js';
import { TRAVERSE_ONLY, type BtrfsPool } from '../volumes/pool.js';
import { agentHealth, waitForAgent } from '../agent-link/client.js';
import { AgentConnectionLost, AgentUnreachable } from '../agent-link/socket-path.js';
import { KeyedMutex } from '../util/mutex.js';
import { CheckpointService, CHECKPOINTS_DIR_MODE, type SpriteLifecycle } from './checkpoints.js';
import { spritePaths, type SpritePaths } from './layout.js';
import { mountRunDir, unmountRunDir } from './run-dir.js';
import { WarmPool } from './warm-pool.js';
import type { ValidCreate } from './validate.js';

export interface AgentTarget {
  record: SpriteRecord;
  socket: string;
  socketOwner: number;
}

export interface SpriteServiceDeps {
  config: ServerConfig;
  store: SpriteStore;
  checkpointStore: CheckpointStore;
  images: ImageRegistry;
  pool: BtrfsPool;
  runtime: Runtime;
  /** The /.hob directory to mount in sprites started from now on. */
  agentRuntimeDir: string;
  log: Logger;
}

/** The host name of a spare until it is handed over and takes its sprite's name. */
const SPARE_HOSTNAME = 'sprite';
/** How long a live agent under memory pressure may take to answer whether it is still there. */
const AGENT_PROBE_TIMEOUT_MS = 2000;

/**
 * The lifecycle of sprites: create, wake, destroy, and reconciling the store with what really
 * runs after a restart. Operations on one sprite are serialised by its name; the store records
 * work in flight (`creating`, `destroying`) before doing it, so a crash at any point is finished
 * or undone at the next start.
 */
export class SpriteService implements SpriteLifecycle {
  private readonly locks = new KeyedMutex();
  private publicPort: number;
  readonly warmPool: WarmPool;
  readonly checkpoints: CheckpointService;

  constructor(private readonly deps: SpriteServiceDeps) {
    this.publicPort = deps.config.listenPort;
    this.checkpoints = new CheckpointService({
      store: deps.store,
      checkpoints: deps.checkpointStore,
      pool: deps.pool,
      runtime: deps.runtime,
      sandboxRootUid: deps.config.uidOffset,
      log: deps.log,
    });
    this.checkpoints.attach(this);
    this.warmPool = new WarmPool({
      size: deps.config.warmPoolSize,
      count: () => deps.store.spares(deps.config.defaultImage).length,
      ready: () => deps.images.toJson(deps.config.defaultImage).status === 'ready',
      makeSpare: () => this.makeSpare(),
      log: deps.log,
    });
    deps.images.onReady((image) => {
      if (image === deps.config.defaultImage) void this.replaceSpares();
    });
  }

  /** Spares made from an image that has been rebuilt are thrown away and made again. */
  private async replaceSpares(): Promise<void> {
    for (const spare of this.deps.store.spares(this.deps.config.defaultImage)) {
      if (!this.deps.store.retireSpare(spare.id)) continue;
      await this.removeResources(spare).catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not remove an old spare'));
      this.deps.store.delete(spare.id);
    }
    this.warmPool.refill();
  }

  /** Waits for lifecycle operations in flight (a restore, a checkpoint) to finish, for a graceful shutdown. */
  drain(): Promise<void> {
    return this.locks.idle();
  }

  setPublicPort(port: number): void {
    this.publicPort = port;
  }

  paths(record: SpriteRecord): SpritePaths {
    return spritePaths(this.deps.config.dataDir, this.deps.pool.spritesDir, record.id);
  }

  containerId(record: Pick<SpriteRecord, 'id'>): string {
    return `${this.deps.config.containerPrefix}-${record.id}`;
  }

  async exclusive<T>(name: string, task: (record: SpriteRecord) => Promise<T>): Promise<T> {
    return this.locks.run(name, async () => {
      const record = this.get(name);
      if (record.state !== 'running' && record.state !== 'stopped') {
        throw new HobError('conflict', `sprite ${name} is busy (${record.state}); try again when it is done`);
      }
      return task(record);
    });
  }

  async stop(record: SpriteRecord): Promise<void> {
    await this.deps.runtime.destroy(this.containerId(record));
    await unmountRunDir(this.paths(record).runDir);
    this.deps.store.setState(record.id, 'stopped');
  }

  async start(record: SpriteRecord): Promise<void> {
    await this.boot(record, this.paths(record));
    this.deps.store.setState(record.id, 'running');
  }

  get(name: string): SpriteRecord {
    assertValidName(name);
    const record = this.deps.store.getByName(name);
    if (record === undefined) throw new HobError('not_found', `sprite ${name} not found`);
    return record;
  }

  toJson(record: SpriteRecord): SpriteJson {
    return {
      id: record.id,
      name: record.name,
      organization: this.deps.config.organization,
      status: record.state === 'running' ? 'running' : 'cold',
      config: {
        ram_mb: record.config.ramMiB,
        cpus: record.config.cpus,
        region: record.config.region,
        storage_gb: record.config.storageGiB,
        pids_max: record.config.pidsMax,
      },
      environment: record.environment,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      url: `http://${record.name}.${this.deps.config.baseDomain}:${this.publicPort}/`,
      url_settings: record.urlSettings,
      labels: record.labels,
      version: HOB_VERSION,
      image: record.image,
      runtime: this.deps.runtime.name,
      storage: this.storageOf(record),
      current_checkpoint: record.currentCheckpoint,
      forked_from: record.forkedFrom,
    };
  }

  private storageOf(record: SpriteRecord): SpriteJson['storage'] {
    return { exclusive_bytes: record.qgroup === null ? null : this.deps.pool.qgroupBytes(1, record.qgroup) };
  }

  async create(input: ValidCreate): Promise<SpriteRecord> {
    assertValidName(input.name);
    this.deps.pool.capacity.requireRoomToCreate();
    if (input.source !== undefined) return this.fork(input.name, input.source, input);
    const name = input.name;
    const image = input.image ?? this.deps.config.defaultImage;
    this.deps.images.requireReady(image);
    const record = newSpriteRecord({
      name,
      image,
      state: 'creating',
      config: input.config(this.deps.config.spriteDefaults),
      environment: input.environment ?? {},
      labels: input.labels,
      urlSettings: input.urlSettings,
      // A claimed spare keeps its own quota group; a cold create gets one below.
      qgroup: null,
      forkedFrom: null,
    });
    const handedOver = await this.createFromSpare(record);
    if (handedOver !== undefined) return handedOver;
    return this.createWith({ ...record, qgroup: this.deps.store.nextCounter('qgroup') }, (paths, created) => this.rootFromImage(paths, created));
  }

  /**
   * A new sprite whose root is a copy-on-write snapshot of another sprite's files, now or at
   * one of its checkpoints. It takes the source's image, config and environment unless told
   * otherwise, and shares every block with it until either side writes.
   */
  private async fork(name: string, source: SpriteSourceJson, input: ValidCreate): Promise<SpriteRecord> {
    if (input.image !== undefined) throw new HobError('bad_request', 'give either image or source, not both: a fork takes its files from its source');
    const from = this.get(source.sprite);
    if (source.checkpoint !== undefined) this.checkpoints.get(from.name, source.checkpoint);
    const record = newSpriteRecord({
      name,
      image: from.image,
      state: 'creating',
      config: input.config(from.config),
      environment: input.environment ?? from.environment,
      labels: input.labels,
      urlSettings: input.urlSettings,
      qgroup: this.deps.store.nextCounter('qgroup'),
      forkedFrom: source.checkpoint === undefined ? { sprite: from.name } : { sprite: from.name, checkpoint: source.checkpoint },
    });
    return this.createWith(record, async (paths) => {
      await this.checkpoints.snapshotFor(from.name, source.checkpoint, paths.root, record.qgroup);
      crashPoint('fork:snapshotted');
    });
  }

  /** Records a new sprite as `creating`, makes its root with `makeRoot` and boots it; undoes all of it on failure. */
  private async createWith(record: SpriteRecord, makeRoot: (paths: SpritePaths, record: SpriteRecord) => Promise<void>): Promise<SpriteRecord> {
    const name = record.name;
    if (!this.deps.store.insert(record)) throw new HobError('already_exists', `sprite ${name} already exists`);
    return this.locks.run(name, async () => {
      try {
        await this.provision(record, record.name, makeRoot);
        this.deps.store.setState(record.id, 'running');
        this.deps.log.info({ sprite: name, id: record.id, image: record.image, forkedFrom: record.forkedFrom }, 'sprite created');
        return this.get(name);
      } catch (error) {
        this.deps.log.error({ sprite: name, err: error }, 'sprite creation failed; rolling back');
        await this.removeResources(record);
        this.deps.store.delete(record.id);
        throw error instanceof HobError ? error : new HobError('internal', `creating sprite ${name} failed: ${errorMessage(error)}`, { cause: error });
      }
    });
  }

  /**
   * Hands a booted spare of the right image to a new sprite: it takes the sprite's name, host
   * name and limits. Returns undefined when no spare can be had (the caller boots one cold).
   */
  private async createFromSpare(record: SpriteRecord): Promise<SpriteRecord | undefined> {
    const spare = this.deps.store.spares(record.image)[0];
    if (spare === undefined) return undefined;
    const claimed = { ...record, id: spare.id };
    try {
      if (!this.deps.store.claimSpare(spare.id, claimed)) return undefined;
    } catch (error) {
      if (isUniqueViolation(error)) throw new HobError('already_exists', `sprite ${record.name} already exists`);
      throw error;
    }
    this.warmPool.refill();
    return this.locks.run(record.name, async () => {
      const containerId = this.containerId(spare);
      try {
        await this.deps.runtime.setHostname(containerId, record.name);
        const limits = limitsOf(record.config);
        if (!sameLimits(limits, limitsOf(spare.config))) await this.deps.runtime.updateResources(containerId, limits);
        if (spare.qgroup !== null) await this.deps.pool.setQgroupLimit(spare.qgroup, record.config.storageGiB);
        this.deps.store.setState(spare.id, 'running');
        this.deps.log.info({ sprite: record.name, id: spare.id, image: record.image }, 'sprite created from a warm spare');
        return this.get(record.name);
      } catch (error) {
        this.deps.log.error({ sprite: record.name, err: error }, 'handing over a warm spare failed; rolling back');
        await this.removeResources(spare);
        this.deps.store.delete(spare.id);
        throw new HobError('internal', `creating sprite ${record.name} failed: ${errorMessage(error)}`, { cause: error });
      }
    });
  }

  /** Boots one spare of the default image for the warm pool. */
  private async makeSpare(): Promise<void> {
    const id = randomBytes(8).toString('hex');
    const { spriteDefaults, defaultImage } = this.deps.config;
    const record = newSpriteRecord({
      id,
      // Not a valid sprite name, so it can never collide with one.
      name: `.spare-${id}`,
      image: defaultImage,
      // Only a booted spare may be claimed; until then it is in a state no create looks at.
      state: 'spare-booting',
      config: { ramMiB: spriteDefaults.ramMiB, cpus: spriteDefaults.cpus, pidsMax: spriteDefaults.pidsMax, storageGiB: spriteDefaults.storageGiB, region: 'local' },
      environment: {},
      labels: [],
      urlSettings: { auth: 'sprite' },
      qgroup: this.deps.store.nextCounter('qgroup'),
      forkedFrom: null,
    });
    this.deps.store.insert(record);
    try {
      await this.provision(record, SPARE_HOSTNAME, (paths, spare) => this.rootFromImage(paths, spare));
      this.deps.store.setState(id, 'spare');
    } catch (error) {
      await this.removeResources(record).catch(() => undefined);
      this.deps.store.delete(id);
      throw error;
    }
  }

  /** The sprite's agent socket (and the host uid that must own it), starting the sprite first if it is cold. */
  async ensureRunning(name: string): Promise<AgentTarget> {
    const current = this.get(name);
    if (current.state === 'running') return this.target(current);
    return this.locks.run(name, async () => {
      const record = this.get(name);
      if (record.state === 'creating' || record.state === 'destroying' || record.state === 'restoring') {
        throw new HobError('conflict', `sprite ${name} is being ${record.state === 'creating' ? 'created' : record.state === 'destroying' ? 'destroyed' : 'restored'}`);
      }
      if (record.state !== 'running') {
        await this.boot(record, this.paths(record));
        this.deps.store.setState(record.id, 'running');
        this.deps.log.info({ sprite: name }, 'sprite woke');
      }
      return this.target(this.get(name));
    });
  }

  /**
   * Connects to a sprite's agent, waking the sprite if it is cold; if its agent turns out not
   * to be listening (or to have died under the connection), the sprite is recovered and the
   * connection tried once more.
   */
  async connectAgent<T>(name: string, connect: (target: AgentTarget) => Promise<T>): Promise<T> {
    const target = await this.ensureRunning(name);
    try {
      return await connect(target);
    } catch (error) {
      if (!(error instanceof AgentUnreachable)) throw error;
      // A reset from an agent that still answers was not its death; restarting would kill the
      // sprite's processes for nothing.
      if (error instanceof AgentConnectionLost && (await this.agentAnswers(target))) return connect(target);
    }
    return connect(await this.recover(name));
  }

  private async agentAnswers(target: AgentTarget): Promise<boolean> {
    try {
      await agentHealth(target.socket, target.socketOwner, AGENT_PROBE_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  }

  private target(record: SpriteRecord): AgentTarget {
    return { record, socket: this.paths(record).socket, socketOwner: this.deps.config.uidOffset };
  }

  /**
   * Called when the agent of a sprite recorded as running does not answer: finds out what
   * really happened, records it, and starts the sprite again.
   */
  async recover(name: string): Promise<AgentTarget> {
    await this.locks.run(name, async () => {
      const record = this.get(name);
      if (record.state !== 'running') return;
      const state = await this.deps.runtime.state(this.containerId(record));
      this.deps.log.warn({ sprite: name, state }, 'agent did not answer; restarting the sprite');
      await this.stop(record);
    });
    return this.ensureRunning(name);
  }

  async update(name: string, changes: { labels?: string[]; urlSettings?: { auth: 'public' | 'sprite' } }): Promise<SpriteRecord> {
    const record = this.get(name);
    this.deps.store.update(record.id, changes);
    return this.get(name);
  }

  async destroy(name: string): Promise<void> {
    await this.locks.run(name, async () => {
      const record = this.get(name);
      this.deps.store.setState(record.id, 'destroying');
      await this.removeResources(record);
      this.deps.store.delete(record.id);
      this.deps.log.info({ sprite: name, id: record.id }, 'sprite destroyed');
    });
  }

  private async boot(record: SpriteRecord, paths: SpritePaths, hostname = record.name): Promise<void> {
    // The agent (root in the sprite, this uid on the host) creates its socket here.
    await mountRunDir(paths.runDir, this.deps.config.uidOffset);
    const id = this.containerId(record);
    await this.deps.runtime.start({
      id,
      hostname,
      rootfs: paths.root,
      agentRuntimeDir: this.deps.agentRuntimeDir,
      runDir: paths.runDir,
      checkpointsDir: paths.mountedDir,
      logFile: paths.agentLog,
      resources: limitsOf(record.config),
    });
    try {
      await waitForAgent(paths.socket, {
        ownerUid: this.deps.config.uidOffset,
        timeoutMs: this.deps.config.agentStartTimeoutMs,
        stillStarting: async () => (await this.deps.runtime.state(id)) === 'running',
      });
    } catch (error) {
      const logTail = readTail(paths.agentLog);
      await this.deps.runtime.destroy(id).catch(() => undefined);
      throw new HobError('sprite_unavailable', `sprite ${record.name} did not start: ${errorMessage(error)}${logTail ? `\nagent log:\n${logTail}` : ''}`);
    }
  }

  /** A sprite's root as a writable snapshot of its image, in its quota group. */
  private rootFromImage(paths: SpritePaths, record: SpriteRecord): Promise<void> {
    return this.deps.images.withImage(record.image, (imagePath) => this.deps.pool.snapshot(imagePath, paths.root, { readonly: false, qgroup: record.qgroup }));
  }

  /** Lays out a sprite's storage, makes its root (in its quota group) with `makeRoot`, and boots it. */
  private async provision(record: SpriteRecord, hostname: string, makeRoot: (paths: SpritePaths, record: SpriteRecord) => Promise<void>): Promise<void> {
    const paths = this.paths(record);
    mkdirSync(paths.poolDir, { recursive: true, mode: TRAVERSE_ONLY });
    mkdirSync(paths.checkpointsDir, { recursive: true, mode: CHECKPOINTS_DIR_MODE });
    this.checkpoints.makeMountedDir(paths);
    if (record.qgroup !== null) await this.deps.pool.createQgroup(record.qgroup);
    if (record.qgroup !== null) await this.deps.pool.setQgroupLimit(record.qgroup, record.config.storageGiB);
    await makeRoot(paths, record);
    await this.boot(record, paths, hostname);
  }

  /**
   * Removes everything a sprite has on the host (root, checkpoints, quota group); what is gone
   * already is skipped, so it is safe to repeat.
   */
  private async removeResources(record: Pick<SpriteRecord, 'id' | 'qgroup'>): Promise<void> {
    const paths = spritePaths(this.deps.config.dataDir, this.deps.pool.spritesDir, record.id);
    await this.deps.runtime.destroy(this.containerId(record));
    await unmountRunDir(paths.runDir);
    await this.deps.pool.deleteTree(paths.poolDir);
    if (record.qgroup !== null) await this.deps.pool.destroyQgroup(record.qgroup);
    rmSync(join(this.deps.config.dataDir, 'sprites', record.id), { recursive: true, force: true });
  }

  /**
   * Makes the store and the host agree after a start (or a crash): half-created sprites are
   * rolled back, half-destroyed ones finished, sprites recorded as running but found dead are
   * reported cold, and containers or subvolumes that no sprite owns are removed.
   */
  async reconcile(): Promise<void> {
    const log = this.deps.log;
    const prefix = `${this.deps.config.containerPrefix}-`;
    const containers = new Map((await this.deps.runtime.list(prefix)).map((c) => [c.id, c.state]));
    const known = new Set<string>();
    for (const record of this.deps.store.all()) {
      const id = this.containerId(record);
      const spare = record.state === 'spare' || record.state === 'spare-booting';
      if (record.state === 'creating' || record.state === 'destroying' || spare) {
        // Spares are cheap to make again and may come from an image that has changed since.
        if (!spare) log.warn({ sprite: record.name, state: record.state }, 'finishing an operation interrupted by a restart');
        await this.removeResources(record);
        this.deps.store.delete(record.id);
        continue;
      }
      known.add(record.id);
      if (record.qgroup !== null) await this.deps.pool.setQgroupLimit(record.qgroup, record.config.storageGiB);
      let state = containers.get(id) ?? 'missing';
      if (state === 'paused') {
        // Frozen for a checkpoint when the server died.
        await this.deps.runtime.thaw(id);
        state = 'running';
      }
      if (record.state === 'restoring') {
        await this.deps.runtime.destroy(id);
        await unmountRunDir(this.paths(record).runDir);
      } else if (record.state === 'running' && state !== 'running') {
        log.warn({ sprite: record.name, container: state }, 'sprite was recorded running but is not; reporting it cold');
        await this.deps.runtime.destroy(id);
        this.deps.store.setState(record.id, 'stopped');
      } else if (record.state === 'stopped' && state !== 'missing') {
        await this.deps.runtime.destroy(id);
      }
      await this.checkpoints.reconcile(this.get(record.name));
    }
    for (const [id] of containers) {
      if (!known.has(id.slice(prefix.length))) {
        log.warn({ container: id }, 'removing a container no sprite owns');
        await this.deps.runtime.destroy(id);
      }
    }
    for (const id of existsSync(this.deps.pool.spritesDir) ? readdirSync(this.deps.pool.spritesDir) : []) {
      if (known.has(id)) continue;
      log.warn({ id }, 'removing sprite storage no sprite owns');
      await this.removeResources({ id, qgroup: null });
    }
    const owned = new Set(this.deps.store.all().flatMap((record) => (record.qgroup === null ? [] : [record.qgroup])));
    await this.deps.pool.destroyStaleQgroups(owned);
  }

  counts(): { running: number; cold: number } {
    const counts = this.deps.store.countByState();
    return { running: counts.running, cold: counts.stopped + counts.creating + counts.restoring + counts.destroying };
  }
}

/** A sprite as first recorded: a fresh id (unless given), now as its times, and nothing run, checkpointed or restored yet. */
function newSpriteRecord(fields: Omit<SpriteRecord, 'id' | 'createdAt' | 'updatedAt' | 'lastRunningAt' | 'currentCheckpoint' | 'restoringTo'> & { id?: string }): SpriteRecord {
  const now = new Date().toISOString();
  return {
    id: randomBytes(8).toString('hex'),
    ...fields,
    createdAt: now,
    updatedAt: now,
    lastRunningAt: null,
    currentCheckpoint: null,
    restoringTo: null,
  };
}

function sameLimits(a: SandboxSpec['resources'], b: SandboxSpec['resources']): boolean {
  return a.memoryMiB === b.memoryMiB && a.cpus === b.cpus && a.pidsMax === b.pidsMax;
}

/** The runtime's view of a sprite's config: the limits its sandbox enforces. */
function limitsOf(config: SpriteRecord['config']): SandboxSpec['resources'] {
  return { memoryMiB: config.ramMiB, cpus: config.cpus, pidsMax: config.pidsMax };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'; // better-sqlite3's SqliteError carries the SQLite code
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n').trim();
  } catch {
    return '';
  }
}
