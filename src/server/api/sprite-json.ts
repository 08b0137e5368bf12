import type { SpriteJson } from '../../shared/protocol.js';
import { HOB_VERSION } from '../../shared/version.js';
import type { SpriteRecord, SpriteState } from '../store/sprites.js';

/** What a sprite's API JSON says beyond its record: the server's names and addresses, and disk use. */
export interface SpriteView {
  organization: string;
  baseDomain: string;
  runtimeName: string;
  /** The server's idle timeout, which sprites without their own follow. */
  idleTimeoutMs: number;
  /** The port the API really listens on (known only once it listens). */
  publicPort(): number;
  /** Bytes held by a quota group, or null when the host cannot count. */
  exclusiveBytes(qgroup: number): number | null;
  /** The sprite's own address on its link to the host, or null before its network is made. */
  spriteAddress(spriteId: string): string | null;
}

/** A sprite as the Sprites v1 API returns it, with Hob's extensions. */
export function spriteJson(record: SpriteRecord, view: SpriteView): SpriteJson {
  return {
    id: record.id,
    name: record.name,
    organization: view.organization,
    status: statusOf(record.state),
    config: {
      ram_mb: record.config.ramMiB,
      cpus: record.config.cpus,
      region: record.config.region,
      storage_gb: record.config.storageGiB,
      pids_max: record.config.pidsMax,
      idle_timeout: (record.config.idleTimeoutMs ?? view.idleTimeoutMs) / 1000,
      wait_for_capacity: record.config.waitForCapacity === true,
    },
    environment: record.environment,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    last_running_at: record.lastRunningAt,
    last_warming_at: record.lastWarmingAt,
    url: `http://${record.name}.${view.baseDomain}:${view.publicPort()}/`,
    url_settings: record.urlSettings,
    labels: record.labels,
    version: HOB_VERSION,
    image: record.image,
    runtime: view.runtimeName,
    storage: { exclusive_bytes: exclusiveBytesOf(record, view) },
    current_checkpoint: record.currentCheckpoint,
    forked_from: record.forkedFrom,
    address: view.spriteAddress(record.id),
  };
}

/** Bytes the sprite holds in the pool, or null when it has no quota group or the host cannot count. */
export function exclusiveBytesOf(record: Pick<SpriteRecord, 'qgroup'>, view: Pick<SpriteView, 'exclusiveBytes'>): number | null {
  return record.qgroup === null ? null : view.exclusiveBytes(record.qgroup);
}

/** Sprites' three statuses: awake, asleep with memory kept (warm), or with only its files (everything else is cold). */
export function statusOf(state: SpriteState): 'running' | 'warm' | 'cold' {
  if (state === 'running' || state === 'warm') return state;
  return 'cold';
}
