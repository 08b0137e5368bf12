/**
 * The contract: every route the server and the agent register, and the JSON shapes they
 * exchange. Server, agent, client and CLI all import these types; a test checks that the
 * routes really registered match these lists, both ways.
 */

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

/** One line of an NDJSON progress stream (image build and import). */
export type ProgressEvent =
  | { type: 'info'; data: string }
  | { type: 'progress'; data: string; done: number; total: number }
  | { type: 'complete'; data: string }
  | { type: 'error'; error: string };

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
