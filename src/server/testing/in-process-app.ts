import { HobError } from '../../shared/errors.js';
import { PolicyBook } from '../network/policy/book.js';
import type { Policy } from '../network/policy/rules.js';
import { NetworkPolicyStore } from '../store/network-policies.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { AgentUnreachable, type AgentTransport } from '../agent-link/transport.js';
import { createApp, type App } from '../app.js';
import { resolveServerConfig } from '../config.js';
import type { ImageRegistry } from '../images/registry.js';
import type { Runtime, RuntimeCapabilities, SandboxSpec, SandboxState } from '../runtimes/runtime.js';
import { CheckpointService } from '../sprites/checkpoints.js';
import { SpriteCreator } from '../sprites/create.js';
import { SpriteLifecycle } from '../sprites/lifecycle.js';
import { newSpriteRecord } from '../sprites/records.js';
import { SpriteRegistry } from '../sprites/registry.js';
import { SpriteSandboxes } from '../sprites/sandboxes.js';
import { Spares } from '../sprites/spares.js';
import { CheckpointStore } from '../store/checkpoints.js';
import { openDatabase } from '../store/db.js';
import type { SpriteRecord, SpriteState } from '../store/sprites.js';
import { SpriteStore } from '../store/sprites.js';
import { TokenStore } from '../store/tokens.js';
import { SpritePolicyStore } from '../store/sprite-policies.js';
import { SpritePolicies } from '../sprites/policies.js';
import type { BtrfsPool } from '../volumes/pool.js';
import { ServerMetrics } from '../metering/metrics.js';
import { LIST_PRICES } from '../metering/prices.js';
import { UsageReports } from '../metering/reports.js';
import type { SpriteMeterSnapshot } from '../metering/sampler.js';
import { UsageStore } from '../store/usage.js';
import { SpendLimitStore } from '../store/spend-limits.js';
import { SpendLimits } from '../metering/spend-limits.js';
import { RunningCap } from '../sprites/running-cap.js';
import { RunAdmission } from '../sprites/admission.js';

/** A runtime with no sandboxes: it records what it is asked, and no agent ever answers. */
export class FakeRuntime implements Runtime {
  readonly name = 'fake';
  readonly capabilities: RuntimeCapabilities = { freeze: true, memorySnapshot: false };
  readonly calls: string[] = [];

  agentTransport(): AgentTransport {
    return {
      connect: () => {
        throw new AgentUnreachable('the fake runtime runs no agents');
      },
    };
  }

  start(spec: SandboxSpec): Promise<void> {
    return this.record(`start ${spec.id}`);
  }

  updateResources(id: string): Promise<void> {
    return this.record(`update ${id}`);
  }

  setHostname(id: string, hostname: string): Promise<void> {
    return this.record(`hostname ${id} ${hostname}`);
  }

  async freeze(id: string): Promise<boolean> {
    await this.record(`freeze ${id}`);
    return true;
  }

  thaw(id: string): Promise<void> {
    return this.record(`thaw ${id}`);
  }

  destroy(id: string): Promise<void> {
    return this.record(`destroy ${id}`);
  }

  state(): Promise<SandboxState> {
    return Promise.resolve('missing');
  }

  list(): Promise<{ id: string; state: SandboxState }[]> {
    return Promise.resolve([]);
  }

  cgroupPath(): null {
    return null;
  }

  private record(call: string): Promise<void> {
    this.calls.push(call);
    return Promise.resolve();
  }
}

export interface InProcessApp {
  app: App;
  token: string;
  /** The usage store the API reports from, for tests to record usage into. */
  usageStore: UsageStore;
  spendLimits: SpendLimits;
  runningCap: RunningCap;
  /** What /metrics says of each sprite: the sampler's last look, here whatever a test puts in. */
  meterSnapshot: SpriteMeterSnapshot[];
  runtime: FakeRuntime;
  registry: SpriteRegistry;
  checkpointStore: CheckpointStore;
  /** Records a sprite straight into the store, as if it had been created and left in `state`. */
  addSprite(name: string, state?: SpriteState, labels?: string[]): SpriteRecord;
  tokens: TokenStore;
  close(): Promise<void>;
}

/**
 * The whole API over the real services, a real SQLite store and a fake runtime: requests go
 * through fastify's inject, so validation, auth, error shapes and the SDK's quirks are tested
 * in milliseconds. Nothing here touches btrfs; the real thing is the integration suite's job.
 */
export interface InProcessOptions {
  /** `--max-running`; default none. */
  maxRunning?: number;
  /** `--capacity-wait`; default 5 s. */
  capacityWaitMs?: number;
}

export function inProcessApp(options: InProcessOptions = {}): InProcessApp {
  const dataDir = mkdtempSync(join(tmpdir(), 'hob-inprocess-'));
  const config = resolveServerConfig({ dataDir, listen: '127.0.0.1:7070' }, {});
  const log = pino({ level: 'silent' });
  const db = openDatabase(':memory:');
  const tokens = new TokenStore(db);
  const token = tokens.create('in-process test');
  const runtime = new FakeRuntime();
  // Sprites recorded here have no storage and no quota group, so removing one asks the pool
  // only to delete a tree that does not exist; nothing else of btrfs is reached.
  const pool = {
    spritesDir: join(dataDir, 'pool', 'sprites'),
    deleteTree: () => Promise.resolve(),
    destroyQgroup: () => Promise.resolve(true),
    quotasEnabled: true,
    capacity: { requireRoomToCreate: () => undefined, report: () => ({ level: 'ok', pool: { sizeBytes: 1 << 30, freeBytes: 1 << 29 }, host: null, warnings: [] }) },
  } as unknown as BtrfsPool;
  // No image is ever ready here: a create that gets past validation is refused by the registry.
  const images = {
    awaitReady: (name: string) => Promise.reject(new HobError('image_not_ready', `no images in process (${name})`)),
    toJson: () => ({ status: 'missing' }),
    onReady: () => undefined,
  } as unknown as ImageRegistry;
  const registry = new SpriteRegistry({ store: new SpriteStore(db), dataDir, poolSpritesDir: pool.spritesDir, containerPrefix: 'fake' });
  // The fake runtime joins nothing, so a sprite's network is only the paths it would be given.
  const network = {
    ensure: (id: string) => Promise.resolve({ netnsPath: join(dataDir, 'netns', id), usernsPath: join(dataDir, 'userns', id), resolvConfPath: join(dataDir, 'resolv.conf'), policyDir: join(dataDir, 'policy'), address: '', gateway: '' }),
    remove: () => Promise.resolve(),
  };
  // No sprite runs, so none asks its in-sprite API anything.
  const api = { open: () => Promise.resolve(), close: () => Promise.resolve() };
  const spritePolicies = new SpritePolicies({ registry, runtime, store: new SpritePolicyStore(db) });
  const sandboxes = new SpriteSandboxes({ registry, policies: spritePolicies, network, api, runtime, pool, images, agentRuntimeDir: dataDir, sandboxRootUid: 100000, agentStartTimeoutMs: 100, dataDir, log });
  const usageStore = new UsageStore(db);
  const usageReports = new UsageReports({ store: usageStore, prices: LIST_PRICES });
  const spendLimits = new SpendLimits({ store: new SpendLimitStore(db), reports: usageReports, currency: LIST_PRICES.currency });
  const runningCap = new RunningCap({ max: options.maxRunning ?? null, waitMs: options.capacityWaitMs ?? 5000, awake: () => registry.store.awakeNames() });
  registry.onChange(() => runningCap.changed());
  const admission = new RunAdmission({ spend: spendLimits, cap: runningCap });
  const lifecycle = new SpriteLifecycle({ registry, sandboxes, runtime, admission, log });
  const checkpointStore = new CheckpointStore(db);
  const checkpoints = new CheckpointService({ registry, lifecycle, checkpoints: checkpointStore, pool, runtime, sandboxRootUid: 100000, log });
  const spares = new Spares({ registry, sandboxes, runtime, images, pool, size: 0, image: config.defaultImage, defaults: config.spriteDefaults, log });
  const creator = new SpriteCreator({ registry, sandboxes, spares, checkpoints, images, capacity: pool.capacity, admission, defaultImage: config.defaultImage, spriteDefaults: config.spriteDefaults, log });
  // Policies are stored for real; there is no link to enforce them on.
  const policies = new PolicyBook(new NetworkPolicyStore(db), config.defaultNetworkPolicy);
  const policyRoutes = {
    policy: (id: string) => policies.get(id),
    setPolicy: (id: string, policy: Policy) => {
      policies.set(id, policy);
      return Promise.resolve();
    },
  };
  const meterSnapshot: SpriteMeterSnapshot[] = [];
  const metrics = new ServerMetrics({ sprites: () => meterSnapshot, processMetrics: false });
  const app = createApp({
    config,
    log,
    tokens,
    images,
    pool,
    registry,
    lifecycle,
    creator,
    checkpoints,
    network: policyRoutes,
    policies: spritePolicies,
    runtimeName: runtime.name,
    exclusiveBytes: () => 4096,
    spriteAddress: () => null,
    usageReports,
    spendLimits,
    runningCap,
    metrics,
  });
  return {
    app,
    token,
    usageStore,
    spendLimits,
    runningCap,
    meterSnapshot,
    runtime,
    registry,
    checkpointStore,
    tokens,
    addSprite(name, state = 'stopped', labels = []) {
      const record = newSpriteRecord({
        name,
        image: 'tiny',
        state,
        config: { ...config.spriteDefaults, region: 'local' },
        environment: {},
        labels,
        urlSettings: { auth: 'sprite' },
        qgroup: null,
        forkedFrom: null,
      });
      registry.store.insert(record);
      return record;
    },
    async close() {
      await app.fastify.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends one request to an in-process API with the admin token (a request's own headers win). */
export type AdminCall = (options: InjectOptions) => Promise<LightMyRequestResponse>;

/** Runs `run` against a fresh in-process API, closed afterwards whatever happens. */
export async function withInProcessApp(options: InProcessOptions, run: (ctx: InProcessApp, call: AdminCall) => Promise<void>): Promise<void> {
  const ctx = inProcessApp(options);
  try {
    await run(ctx, (request) => ctx.app.fastify.inject({ ...request, headers: { authorization: `Bearer ${ctx.token}`, ...request.headers } }));
  } finally {
    await ctx.close();
  }
}
