import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { AgentLink } from '../agent-link/link.js';
import type { ImageRegistry } from '../images/registry.js';
import type { Runtime, SandboxSpec } from '../runtimes/runtime.js';
import type { SpriteNetwork } from '../network/sprite-networks.js';
import type { SpriteRecord } from '../store/sprites.js';
import { settleAll } from '../util/settle-all.js';
import { TRAVERSE_ONLY, type BtrfsPool } from '../volumes/pool.js';
import { writeAgentSettings } from './agent-settings.js';
import { CHECKPOINTS_DIR_MODE, makeMountedDir, type SpritePaths } from './layout.js';
import type { SpritePolicies } from './policies.js';
import type { SpriteRegistry } from './registry.js';
import { mountRunDir, unmountRunDir } from './run-dir.js';

/** The part of the sprite networks a sandbox needs: made before it boots, removed with it. */
export interface SandboxNetworks {
  ensure(spriteId: string): Promise<SpriteNetwork>;
  remove(spriteId: string): Promise<void>;
}

/**
 * The in-sprite API (/.sprite/api.sock) of a sandbox: served while the sandbox runs. Closing it
 * ends the run's state too (its tasks), since the programs that held it are gone.
 */
export interface SandboxApi {
  open(spriteId: string, spriteDir: string): Promise<void>;
  close(spriteId: string): Promise<void>;
}

export interface SandboxesDeps {
  registry: SpriteRegistry;
  network: SandboxNetworks;
  api: SandboxApi;
  runtime: Runtime;
  pool: BtrfsPool;
  images: ImageRegistry;
  /** The /.hob directory to mount in sprites started from now on. */
  agentRuntimeDir: string;
  /** The host uid of root in a sprite. */
  sandboxRootUid: number;
  agentStartTimeoutMs: number;
  dataDir: string;
  log: Logger;
  /** What each sprite's sandbox gets beyond its config: limits and privileges from its policies. */
  policies: Pick<SpritePolicies, 'limits' | 'sandboxPrivileges'>;
}

/**
 * What a sprite has on the host, and its agent: lays out and removes its storage, boots and
 * halts its sandbox, and hands out the one link to its agent. It records no states; the
 * lifecycle does that around these steps.
 */
export class SpriteSandboxes {
  private readonly links = new Map<string, AgentLink>();

  constructor(private readonly deps: SandboxesDeps) {}

  /** The link to a sprite's agent; one per booted sandbox, so its version is checked once. */
  link(record: Pick<SpriteRecord, 'id' | 'name'>): AgentLink {
    let link = this.links.get(record.id);
    if (link === undefined) {
      link = new AgentLink(this.deps.runtime.agentTransport({ runDir: this.deps.registry.paths(record).runDir }), record.name);
      this.links.set(record.id, link);
    }
    link.spriteName = record.name;
    return link;
  }

  /** Starts a sprite's sandbox and waits for its agent; nothing is left running if that fails. */
  async boot(record: SpriteRecord, hostname = record.name): Promise<void> {
    await this.launch(record, hostname, await this.prepare(record));
  }

  /**
   * What a sandbox needs on the host before it starts: its network, its run dir (with the
   * agent's settings) and the in-sprite API. Independent steps, each a few process spawns: side
   * by side, they cost the longest of them.
   */
  private async prepare(record: SpriteRecord): Promise<SpriteNetwork> {
    const paths = this.deps.registry.paths(record);
    const [network] = await settleAll([
      this.deps.network.ensure(record.id),
      // The agent (root in the sprite, this uid on the host) creates its socket here.
      mountRunDir(paths.runDir, this.deps.sandboxRootUid),
      // Listening before the sprite's first process starts, so that none finds it missing.
      this.deps.api.open(record.id, paths.spriteDir),
    ]);
    writeAgentSettings(paths.runDir, record, this.deps.sandboxRootUid);
    return network;
  }

  /** Starts a prepared sandbox and waits for its agent; nothing is left running if that fails. */
  private async launch(record: SpriteRecord, hostname: string, network: SpriteNetwork): Promise<void> {
    const paths = this.deps.registry.paths(record);
    const id = this.deps.registry.containerId(record);
    this.links.delete(record.id);
    await this.deps.runtime.start({
      id,
      hostname,
      rootfs: paths.root,
      agentRuntimeDir: this.deps.agentRuntimeDir,
      runDir: paths.runDir,
      spriteDir: paths.spriteDir,
      checkpointsDir: paths.mountedDir,
      logFile: paths.agentLog,
      network,
      resources: this.deps.policies.limits(record),
      ...this.deps.policies.sandboxPrivileges(record),
    });
    try {
      await this.link(record).waitUntilReady({
        timeoutMs: this.deps.agentStartTimeoutMs,
        stillStarting: async () => (await this.deps.runtime.state(id)) === 'running',
      });
    } catch (error) {
      const logTail = readTail(paths.agentLog);
      await this.deps.runtime.destroy(id).catch(() => undefined);
      await this.deps.api.close(record.id).catch(() => undefined);
      if (error instanceof HobError) throw error;
      throw new HobError('sprite_unavailable', `sprite ${record.name} did not start: ${errorMessage(error)}${logTail ? `\nagent log:\n${logTail}` : ''}`);
    }
  }

  /** Tells a running sprite's agent its sprite's settings again (a warm spare handed over to a sprite). */
  updateSettings(record: SpriteRecord): void {
    writeAgentSettings(this.deps.registry.paths(record).runDir, record, this.deps.sandboxRootUid);
  }

  /** Stops every process of a sprite; its files and its network (so its address) stay. */
  async halt(record: Pick<SpriteRecord, 'id'>): Promise<void> {
    this.links.delete(record.id);
    await this.deps.runtime.destroy(this.deps.registry.containerId(record));
    await unmountRunDir(this.deps.registry.paths(record).runDir);
    await this.deps.api.close(record.id);
  }

  /** Lays out a sprite's storage, makes its root (in its quota group) with `makeRoot`, and boots it. */
  async provision(record: SpriteRecord, hostname: string, makeRoot: (paths: SpritePaths) => Promise<void>): Promise<void> {
    const paths = this.deps.registry.paths(record);
    mkdirSync(paths.poolDir, { recursive: true, mode: TRAVERSE_ONLY });
    mkdirSync(paths.checkpointsDir, { recursive: true, mode: CHECKPOINTS_DIR_MODE });
    makeMountedDir(paths, this.deps.sandboxRootUid);
    // The host side of the sandbox is made while the root is: every cold create waits for both.
    const [network] = await settleAll([
      this.prepare(record),
      (async () => {
        if (record.qgroup === null) {
          await makeRoot(paths);
          return;
        }
        await this.deps.pool.createQgroup(record.qgroup);
        await settleAll([this.deps.pool.setQgroupLimit(record.qgroup, record.config.storageGiB), makeRoot(paths)]);
      })(),
    ]);
    await this.launch(record, hostname, network);
  }

  /** A sprite's root as a writable snapshot of its image, in its quota group. */
  rootFromImage(paths: SpritePaths, record: Pick<SpriteRecord, 'image' | 'qgroup'>): Promise<void> {
    return this.deps.images.withImage(record.image, (imagePath) => this.deps.pool.snapshot(imagePath, paths.root, { readonly: false, qgroup: record.qgroup }));
  }

  /**
   * Removes everything a sprite has on the host (sandbox, network, root, checkpoints, quota group); what
   * is gone already is skipped, so it is safe to repeat.
   */
  async remove(record: Pick<SpriteRecord, 'id' | 'qgroup'>): Promise<void> {
    await this.halt(record);
    await this.deps.network.remove(record.id);
    await this.deps.pool.deleteTree(this.deps.registry.paths(record).poolDir);
    if (record.qgroup !== null) await this.deps.pool.destroyQgroup(record.qgroup);
    rmSync(join(this.deps.dataDir, 'sprites', record.id), { recursive: true, force: true });
  }
}

/** The runtime's view of a sprite's config: the limits its sandbox enforces. */
export function limitsOf(config: SpriteRecord['config']): SandboxSpec['resources'] {
  return { memoryMiB: config.ramMiB, cpus: config.cpus, pidsMax: config.pidsMax };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n').trim();
  } catch {
    return '';
  }
}
