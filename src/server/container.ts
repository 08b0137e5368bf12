import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HobError } from '../shared/errors.js';
import type { ServerConfig } from './config.js';
import { defaultAgentRuntimeSources, prepareAgentRuntime } from './agent-link/runtime-dir.js';
import { ImageRegistry } from './images/registry.js';
import type { Runtime } from './runtimes/runtime.js';
import { RuncRuntime } from './runtimes/runc/index.js';
import { CheckpointService } from './sprites/checkpoints.js';
import { SpriteCreator } from './sprites/create.js';
import { SpriteLifecycle } from './sprites/lifecycle.js';
import { reconcile } from './sprites/reconcile.js';
import { SpriteRegistry } from './sprites/registry.js';
import { SpriteSandboxes } from './sprites/sandboxes.js';
import { Sleeper } from './sprites/sleeper.js';
import { Spares } from './sprites/spares.js';
import { CheckpointStore } from './store/checkpoints.js';
import { openDatabase, type Db } from './store/db.js';
import { ImageStore } from './store/images.js';
import { SpriteStore } from './store/sprites.js';
import { TokenStore } from './store/tokens.js';
import { SpritePolicyStore } from './store/sprite-policies.js';
import { SpritePolicies } from './sprites/policies.js';
import { NetworkStore } from './store/network.js';
import { NetworkPolicyStore } from './store/network-policies.js';
import { PolicyBook } from './network/policy/book.js';
import { resolversOf } from './network/dns/upstream.js';
import { SpriteNetworks } from './network/sprite-networks.js';
import { BtrfsPool } from './volumes/pool.js';
import { createSpriteApiApp } from './sprite-api/app.js';
import { serveLiveSprites } from './sprite-api/reconcile.js';
import { SpriteApiSockets } from './sprite-api/sockets.js';
import { TaskStore } from './store/tasks.js';
import { TaskBook } from './tasks/book.js';
import { CgroupReader } from './metering/cgroups.js';
import { UsageCompactor } from './metering/compactor.js';
import { ServerMetrics } from './metering/metrics.js';
import { UsageReports } from './metering/reports.js';
import { UsageSampler } from './metering/sampler.js';
import { UsageStore } from './store/usage.js';
import { SpendLimitStore } from './store/spend-limits.js';
import { SpendLimits } from './metering/spend-limits.js';
import { SpendEnforcer } from './metering/spend-enforcer.js';
import { RunningCap } from './sprites/running-cap.js';
import { RunAdmission } from './sprites/admission.js';

/** Every long-lived part of the server, built once, each given exactly the parts it uses. */
export interface Services {
  config: ServerConfig;
  log: Logger;
  db: Db;
  pool: BtrfsPool;
  tokens: TokenStore;
  images: ImageRegistry;
  runtime: Runtime;
  network: SpriteNetworks;
  registry: SpriteRegistry;
  /** Each sprite's resources and privileges policies. */
  policies: SpritePolicies;
  sandboxes: SpriteSandboxes;
  lifecycle: SpriteLifecycle;
  checkpoints: CheckpointService;
  /** Tasks of the in-sprite API; the idle logic needs only its `TaskHolds` side. */
  tasks: TaskBook;
  /** Each running sprite's /.sprite/api.sock. */
  spriteApi: SpriteApiSockets;
  spares: Spares;
  creator: SpriteCreator;
  /** Puts idle sprites to sleep once started. */
  sleeper: Sleeper;
  /** Samples every sprite's usage once started. */
  usageSampler: UsageSampler;
  /** Folds old per-minute usage into hours once started. */
  usageCompactor: UsageCompactor;
  usageReports: UsageReports;
  /** Spend limits per sprite and over the server. */
  spendLimits: SpendLimits;
  /** The cap on sprites running at once. */
  runningCap: RunningCap;
  metrics: ServerMetrics;
  /** Key of sprite URL sign-in cookies, kept in the data dir so sign-ins survive restarts. */
  signinKey: Buffer;
  /** Makes the store agree with what really runs; called once before the API listens. */
  reconcile(): Promise<void>;
}

/** A 32-byte secret from a file only root reads, made on first use. */
function loadOrCreateKey(path: string): Buffer {
  try {
    const key = readFileSync(path);
    if (key.length === 32) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // fs errors carry a code
  }
  const key = randomBytes(32);
  writeFileSync(path, key, { mode: 0o600 });
  return key;
}

/**
 * The composition root: no service constructs a sibling or hands itself to a child; they are
 * all made here, in dependency order.
 */
export async function buildServices(config: ServerConfig, log: Logger, distDir: string): Promise<Services> {
  const pool = await BtrfsPool.open(config.dataDir, config.poolSizeGiB, log);
  const db = openDatabase(join(config.dataDir, 'hob.db'));
  const tokens = new TokenStore(db);
  const images = new ImageRegistry(new ImageStore(db), pool, config.uidOffset, config.debootstrapCacheDir, log);
  await images.recover();
  const runtime = new RuncRuntime(join(config.dataDir, 'runc'), join(config.dataDir, 'bundles'), config.uidOffset);
  const agentRuntimeDir = await prepareAgentRuntime(join(config.dataDir, 'agent'), defaultAgentRuntimeSources(distDir));

  const network = await SpriteNetworks.open({
    store: new NetworkStore(db),
    policies: new PolicyBook(new NetworkPolicyStore(db), config.defaultNetworkPolicy),
    containerPrefix: config.containerPrefix,
    range: config.spriteNetwork,
    dnsUpstreams: config.dnsUpstreams ?? resolversOf(),
    dataDir: config.dataDir,
    uidOffset: config.uidOffset,
    log,
  });

  const tasks = new TaskBook({ store: new TaskStore(db) });
  const spriteApi = new SpriteApiSockets({ tasks });

  const registry = new SpriteRegistry({
    store: new SpriteStore(db),
    dataDir: config.dataDir,
    poolSpritesDir: pool.spritesDir,
    containerPrefix: config.containerPrefix,
  });
  const policies = new SpritePolicies({ registry, runtime, store: new SpritePolicyStore(db) });
  const sandboxes = new SpriteSandboxes({
    registry,
    policies,
    network,
    api: spriteApi,
    runtime,
    pool,
    images,
    agentRuntimeDir,
    sandboxRootUid: config.uidOffset,
    agentStartTimeoutMs: config.agentStartTimeoutMs,
    dataDir: config.dataDir,
    log,
  });
  const usage = new UsageStore(db);
  const usageReports = new UsageReports({ store: usage, prices: config.metering.prices });
  const spendLimits = new SpendLimits({ store: new SpendLimitStore(db), reports: usageReports, currency: config.metering.prices.currency });
  const runningCap = new RunningCap({ max: config.capacity.maxRunning, waitMs: config.capacity.waitMs, awake: () => registry.store.awakeNames() });
  registry.onChange(() => runningCap.changed());
  const admission = new RunAdmission({ spend: spendLimits, cap: runningCap });
  // The enforcer needs the lifecycle, which needs the metrics the sampler feeds: it is bound once both exist.
  let enforceSpend = (): void => undefined;
  const usageSampler = new UsageSampler({
    sprites: () => registry.store.meterable(),
    cgroupOf: (spriteId) => runtime.cgroupPath(registry.containerId({ id: spriteId })),
    cgroups: new CgroupReader(),
    hotStorage: () => pool.qgroupReader(1),
    store: usage,
    prices: config.metering.prices,
    intervalMs: config.metering.sampleIntervalMs,
    afterSample: () => enforceSpend(),
    log,
  });
  const metrics = new ServerMetrics({ sprites: () => usageSampler.snapshot(), processMetrics: true });
  const lifecycle = new SpriteLifecycle({ registry, sandboxes, runtime, admission, log, onWake: (from, durationMs) => metrics.wakeDuration.observe({ from }, durationMs / 1000) });
  const spendEnforcer = new SpendEnforcer({
    limits: spendLimits,
    running: () => registry.store.meterable().filter((sprite) => sprite.state === 'running'),
    sleep: (name) => lifecycle.forceSleep(name),
    log,
  });
  enforceSpend = () => void spendEnforcer.check();
  const checkpoints = new CheckpointService({ registry, lifecycle, checkpoints: new CheckpointStore(db), pool, runtime, sandboxRootUid: config.uidOffset, log });
  const spriteApiApp = createSpriteApiApp({
    tasks,
    checkpoints,
    lifecycle,
    nameOf: (spriteId) => {
      const record = registry.store.getById(spriteId);
      if (record === undefined) throw new HobError('not_found', 'this sprite is being destroyed');
      return record.name;
    },
    log,
  });
  await spriteApiApp.fastify.ready();
  spriteApi.serve(spriteApiApp.fastify);
  const spares = new Spares({
    registry,
    sandboxes,
    runtime,
    images,
    pool,
    size: config.warmPoolSize,
    image: config.defaultImage,
    defaults: config.spriteDefaults,
    log,
  });
  const sleeper = new Sleeper({
    registry,
    lifecycle,
    policy: config.sleep,
    packets: (spriteId) => network.packets(spriteId),
    heldBySprite: (spriteId) => tasks.live(spriteId),
    log,
  });
  const creator = new SpriteCreator({
    registry,
    sandboxes,
    spares,
    checkpoints,
    images,
    capacity: pool.capacity,
    admission,
    defaultImage: config.defaultImage,
    spriteDefaults: config.spriteDefaults,
    log,
  });
  return {
    signinKey: loadOrCreateKey(join(config.dataDir, 'url-signin.key')),
    config,
    log,
    db,
    pool,
    tokens,
    images,
    runtime,
    policies,
    network,
    registry,
    sandboxes,
    lifecycle,
    checkpoints,
    tasks,
    spriteApi,
    spares,
    creator,
    sleeper,
    usageSampler,
    usageCompactor: new UsageCompactor({ store: usage, retentionMs: config.metering.minuteRetentionMs, log }),
    usageReports,
    spendLimits,
    runningCap,
    metrics,
    reconcile: async () => {
      await reconcile({ registry, sandboxes, checkpoints, runtime, pool, network, containerPrefix: config.containerPrefix, log });
      await serveLiveSprites({ runtime, registry, sockets: spriteApi, containerPrefix: config.containerPrefix });
    },
  };
}
