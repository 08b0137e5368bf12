import { existsSync, readdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { SpriteNetworks } from '../network/sprite-networks.js';
import type { Runtime } from '../runtimes/runtime.js';
import type { BtrfsPool } from '../volumes/pool.js';
import type { CheckpointService } from './checkpoints.js';
import type { SpriteRegistry } from './registry.js';
import type { SpriteSandboxes } from './sandboxes.js';

export interface ReconcileDeps {
  registry: SpriteRegistry;
  sandboxes: SpriteSandboxes;
  checkpoints: CheckpointService;
  runtime: Runtime;
  pool: BtrfsPool;
  network: Pick<SpriteNetworks, 'reconcile'>;
  containerPrefix: string;
  log: Logger;
}

/**
 * Makes the store and the host agree after a start (or a crash): half-created sprites are
 * rolled back, half-destroyed ones finished, sprites recorded as running but found dead are
 * reported cold, frozen ones thawed unless recorded warm, and containers, subvolumes, quota groups and networks
 * that no sprite owns are removed.
 */
export async function reconcile(deps: ReconcileDeps): Promise<void> {
  const { registry, sandboxes, runtime, log } = deps;
  const store = registry.store;
  const prefix = `${deps.containerPrefix}-`;
  const containers = new Map((await runtime.list(prefix)).map((c) => [c.id, c.state]));
  const known = new Set<string>();
  for (const record of store.all()) {
    const id = registry.containerId(record);
    const spare = record.state === 'spare' || record.state === 'spare-booting';
    if (record.state === 'creating' || record.state === 'destroying' || spare) {
      // Spares are cheap to make again and may come from an image that has changed since.
      if (!spare) log.warn({ sprite: record.name, state: record.state }, 'finishing an operation interrupted by a restart');
      await sandboxes.remove(record);
      store.delete(record.id);
      continue;
    }
    known.add(record.id);
    // Sprites made before limits were enforced (or whose limit was changed by hand) get theirs back.
    if (record.qgroup !== null) await deps.pool.setQgroupLimit(record.qgroup, record.config.storageGiB);
    let state = containers.get(id) ?? 'missing';
    if (state === 'paused' && record.state !== 'warm') {
      // Frozen for a checkpoint, or recorded awake before a thaw, when the server died.
      await runtime.thaw(id);
      state = 'running';
    }
    if (record.state === 'warm') {
      if (state === 'running') {
        // Recorded warm, but the server died before the freeze: it is awake, and the idle timer starts again.
        registry.transition(record, 'running');
      } else if (state !== 'paused') {
        log.warn({ sprite: record.name, container: state }, 'sprite was recorded warm but is not; reporting it cold');
        await sandboxes.halt(record);
        registry.transition(record, 'stopped');
      }
    } else if (record.state === 'restoring') {
      await sandboxes.halt(record);
    } else if (record.state === 'running' && state !== 'running') {
      log.warn({ sprite: record.name, container: state }, 'sprite was recorded running but is not; reporting it cold');
      await sandboxes.halt(record);
      registry.transition(record, 'stopped');
    } else if (record.state === 'stopped' && state !== 'missing') {
      await sandboxes.halt(record);
    }
    await deps.checkpoints.reconcile(registry.get(record.name));
  }
  for (const [id] of containers) {
    if (!known.has(id.slice(prefix.length))) {
      log.warn({ container: id }, 'removing a container no sprite owns');
      await runtime.destroy(id);
    }
  }
  const spritesDir = deps.pool.spritesDir;
  for (const id of existsSync(spritesDir) ? readdirSync(spritesDir) : []) {
    if (known.has(id)) continue;
    log.warn({ id }, 'removing sprite storage no sprite owns');
    await sandboxes.remove({ id, qgroup: null });
  }
  const owned = new Set(store.all().flatMap((record) => (record.qgroup === null ? [] : [record.qgroup])));
  await deps.pool.destroyStaleQgroups(owned);
  await deps.network.reconcile(known);
}
