/**
 * The contract: every route the server and the agent register, and the JSON shapes they
 * exchange. Server, agent, client and CLI all import these types; a test checks that the
 * routes really registered match these lists, both ways.
 */

import type { ErrorCode } from './errors.js';

export type SpriteStatus = 'running' | 'warm' | 'cold';

export interface SpriteConfigJson {
  ram_mb: number;
  cpus: number;
  region: string;
  storage_gb: number;
  /** Hob extension: the most processes (and threads) the sprite may run at once. */
  pids_max: number;
}

export interface UrlSettingsJson {
  auth: 'public' | 'sprite';
  private_access?: 'admins' | 'org_users';
}

/** A sprite as the Sprites v1 API returns it; `image` is a Hob extension. */
export interface SpriteJson {
  id: string;
  name: string;
  organization: string;
  status: SpriteStatus;
  config: SpriteConfigJson;
  environment: Record<string, string>;
  created_at: string;
  updated_at: string;
  url: string;
  url_settings: UrlSettingsJson;
  labels: string[];
  version: string;
  image: string;
  runtime: string;
  /** Hob extension: disk use from btrfs quota groups (see StorageJson). */
  storage: StorageJson;
  /** Hob extension: the checkpoint the sprite's files derive from (the last one made or restored). */
  current_checkpoint: string | null;
  /** Hob extension: what this sprite was forked from, if it was. */
  forked_from: SpriteSourceJson | null;
}

/** Disk use as btrfs simple quotas count it, updated at each btrfs commit (at most 30 s late). */
export interface StorageJson {
  /**
   * Bytes the sprite itself wrote that are still held, by its files or its checkpoints. Blocks
   * it shares with its image or with the sprite it was forked from count for them, not for it,
   * so a fresh fork holds ~0. Null when the host cannot count (Linux before 6.7).
   */
  exclusive_bytes: number | null;
}

/** Hob extension of create: make the sprite a copy-on-write fork of another sprite (now, or one of its checkpoints). */
export interface SpriteSourceJson {
  sprite: string;
  /** A checkpoint id of that sprite; absent means its current files. */
  checkpoint?: string;
}

export interface CreateSpriteBody {
  name: string;
  config?: Partial<SpriteConfigJson>;
  environment?: Record<string, string>;
  url_settings?: UrlSettingsJson;
  labels?: string[];
  wait_for_capacity?: boolean;
  /** The SDK's `runtime` ("default" | "dev"); accepted and ignored. */
  runtime?: string;
  /** Hob extension: the image the sprite's root is a snapshot of (default: the server's default image). */
  image?: string;
  /**
   * Hob extension: fork another sprite instead of starting from an image. The fork takes the
   * source's image, config and environment unless the body gives its own.
   */
  source?: SpriteSourceJson;
}

export interface UpdateSpriteBody {
  url_settings?: UrlSettingsJson;
  labels?: string[];
  clear_labels?: boolean;
}

export interface ListSpritesResponse {
  sprites: SpriteJson[];
  has_more: boolean;
  /** Present only when has_more is true. */
  next_continuation_token?: string;
  running: number;
  warm: number;
  cold: number;
  name: string;
}

export const LIST_MAX_RESULTS = 50;

export interface SessionListResponse {
  sessions: unknown[];
  count: number;
}

export type ImageStatus = 'ready' | 'building' | 'failed' | 'missing';

export interface ImageJson {
  name: string;
  status: ImageStatus;
  builtin: boolean;
  created_at: string | null;
  /** Apparent size of the image tree in bytes, measured once when it was made. */
  size_bytes: number | null;
  error: string | null;
}

/**
 * One line of an NDJSON progress stream (image build and import, checkpoint and restore).
 * Checkpoint and restore lines also carry `time`, and their `complete` line the checkpoint `id`.
 * An `error` line keeps its message in `error` (where the Sprites SDK reads it) and its code in `code`.
 */
export type ProgressEvent =
  | { type: 'info'; data: string; time?: string }
  | { type: 'progress'; data: string; done: number; total: number; time?: string }
  | { type: 'complete'; data: string; id?: string; time?: string }
  | { type: 'error'; error: string; code: ErrorCode; time?: string };

/** A checkpoint as the Sprites v1 API returns it; ids are v0, v1, … per sprite, and auto-0, auto-1, … for automatic ones. */
export interface CheckpointJson {
  id: string;
  create_time: string;
  /** The checkpoint the sprite derived from when this one was made. */
  source_id?: string;
  comment?: string;
  is_auto: boolean;
  /** This checkpoint's ancestors through source_id, nearest first. */
  history: string[];
  /** Hob extension: whether it is visible inside the sprite at /.sprite/checkpoints/<id>/ (the five newest are). */
  mounted: boolean;
}

export interface CreateCheckpointBody {
  comment?: string;
}

/** `current` names the sprite's files as they are now, wherever a checkpoint id is taken by diff. */
export const CURRENT_STATE = 'current';

export type DiffChange = 'added' | 'modified' | 'deleted';

export interface DiffEntryJson {
  /** Path from the sprite's root, starting with '/'. */
  path: string;
  change: DiffChange;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Size in bytes: after the change, or before it for a deleted path. */
  size: number;
}

/** GET /v1/sprites/{name}/checkpoints/{from}/diff?against={to}: what changed going from `from` to `to`. */
export interface DiffJson {
  from: string;
  to: string;
  changes: DiffEntryJson[];
  added: number;
  modified: number;
  deleted: number;
  /** True when there were more changes than `limit`; the counts above still cover them all. */
  truncated: boolean;
}

export const DIFF_DEFAULT_LIMIT = 10_000;
export const DIFF_MAX_LIMIT = 100_000;

/** GET /v1/health: the server answers, and how much disk its sprites have left. */
export interface HealthJson {
  status: 'ok';
  version: string;
  storage: StorageHealthJson;
}

/** Free space for sprites; `status` is `critical` when creates are refused (507 insufficient_storage). */
export interface StorageHealthJson {
  status: 'ok' | 'low' | 'critical';
  /** False when the kernel has no btrfs simple quotas (before Linux 6.7): storage_gb is not enforced. */
  limits_enforced: boolean;
  pool: DiskSpaceJson;
  /** The host filesystem under a loop-file pool; null when the pool is the data dir's own btrfs. */
  host: DiskSpaceJson | null;
  /** What is short and what to do about it, one sentence each; empty when `status` is ok. */
  warnings: string[];
}

export interface DiskSpaceJson {
  size_bytes: number;
  free_bytes: number;
}

export interface AgentHealth {
  agent_version: number;
  pid: number;
  uptime_ms: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export interface RouteSpec {
  method: Method | 'WS';
  path: string;
}

/** Everything the server answers, in its router's own path syntax. */
export const API_ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/v1/sprites' },
  { method: 'POST', path: '/v1/sprites' },
  { method: 'GET', path: '/v1/sprites/:name' },
  { method: 'PUT', path: '/v1/sprites/:name' },
  { method: 'DELETE', path: '/v1/sprites/:name' },
  { method: 'POST', path: '/v1/sprites/:name/checkpoint' },
  { method: 'GET', path: '/v1/sprites/:name/checkpoints' },
  { method: 'GET', path: '/v1/sprites/:name/checkpoints/:id' },
  { method: 'DELETE', path: '/v1/sprites/:name/checkpoints/:id' },
  { method: 'POST', path: '/v1/sprites/:name/checkpoints/:id/restore' },
  { method: 'GET', path: '/v1/sprites/:name/checkpoints/:id/diff' },
  { method: 'GET', path: '/v1/sprites/:name/exec' },
  { method: 'POST', path: '/v1/sprites/:name/exec' },
  { method: 'WS', path: '/v1/sprites/:name/exec' },
  { method: 'GET', path: '/v1/images' },
  { method: 'GET', path: '/v1/images/:name' },
  { method: 'POST', path: '/v1/images/:name/build' },
  { method: 'POST', path: '/v1/images/:name/import' },
  { method: 'DELETE', path: '/v1/images/:name' },
  { method: 'GET', path: '/v1/health' },
];

/** Everything the agent answers on its unix socket. */
export const AGENT_ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/health' },
  { method: 'WS', path: '/exec' },
];
