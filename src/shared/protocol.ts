/**
 * The contract: the JSON shapes the server, agent, client and CLI exchange, as TypeScript
 * types derived from the schemas in ./schemas (which also validate requests and make the
 * OpenAPI document), and the routes the server and the agent register, which a test checks
 * against what they really register, both ways.
 */
import type { Static } from '@sinclair/typebox';
import type * as checkpoints from './schemas/checkpoints.js';
import type * as fs from './schemas/fs.js';
import type * as images from './schemas/images.js';
import type * as limits from './schemas/limits.js';
import type * as policy from './schemas/policy.js';
import type * as ports from './schemas/ports.js';
import type * as sessions from './schemas/sessions.js';
import type * as services from './schemas/services.js';
import type * as spriteApi from './schemas/sprite-api.js';
import type * as sprites from './schemas/sprites.js';
import type * as system from './schemas/system.js';
import type * as usage from './schemas/usage.js';
import { ROUTES } from './schemas/routes.js';

export { LIST_MAX_RESULTS } from './schemas/sprites.js';
export { CURRENT_STATE, DIFF_DEFAULT_LIMIT, DIFF_MAX_LIMIT } from './schemas/checkpoints.js';

export type SpriteStatus = Static<typeof sprites.SpriteStatus>;
export type SpriteConfigJson = Static<typeof sprites.SpriteConfig>;
export type UrlSettingsJson = Static<typeof sprites.UrlSettings>;
export type SpriteJson = Static<typeof sprites.Sprite>;
export type StorageJson = Static<typeof sprites.Storage>;
export type SpriteSourceJson = Static<typeof sprites.SpriteSource>;
export type CreateSpriteBody = Static<typeof sprites.CreateSpriteBody>;
export type UpdateSpriteBody = Static<typeof sprites.UpdateSpriteBody>;
export type ListSpritesResponse = Static<typeof sprites.ListSpritesResponse>;

export type ImageStatus = Static<typeof images.ImageStatus>;
export type ImageJson = Static<typeof images.Image>;

export type ProgressEvent = Static<typeof checkpoints.ProgressEvent>;
export type CheckpointJson = Static<typeof checkpoints.Checkpoint>;
export type CreateCheckpointBody = NonNullable<Static<typeof checkpoints.CreateCheckpointBody>>;
export type DiffChange = Static<typeof checkpoints.DiffChange>;
export type DiffEntryJson = Static<typeof checkpoints.DiffEntry>;
export type DiffJson = Static<typeof checkpoints.Diff>;

export type PortEventJson = Static<typeof ports.PortEvent>;
export type PortListJson = Static<typeof ports.PortList>;
export type PortMessageJson = Static<typeof ports.PortMessage>;

export type ExecSessionJson = Static<typeof sessions.ExecSession>;
export type SessionListResponse = Static<typeof sessions.ExecSessionList>;
export type SessionKillEventJson = Static<typeof sessions.SessionKillEvent>;
export type FsEntryJson = Static<typeof fs.FsEntry>;
export type FsListJson = Static<typeof fs.FsList>;
export type FsWriteResultJson = Static<typeof fs.FsWriteResult>;
export type FsWatchMessageJson = Static<typeof fs.FsWatchMessage>;
export type ServiceJson = Static<typeof services.Service>;
export type ServiceStateJson = Static<typeof services.ServiceState>;
export type ServiceStatus = Static<typeof services.ServiceStatus>;
export type ServiceRequestJson = Static<typeof services.ServiceRequestBody>;
export type ServiceLogEventJson = Static<typeof services.ServiceLogEvent>;

export type NetworkPolicyJson = Static<typeof policy.NetworkPolicy>;

export type TaskJson = Static<typeof spriteApi.Task>;
export type TaskListJson = Static<typeof spriteApi.TaskList>;

export type UsageAmountsJson = Static<typeof usage.UsageAmounts>;
export type UsagePointJson = Static<typeof usage.UsagePoint>;
export type SpriteUsageJson = Static<typeof usage.SpriteUsage>;
export type ServerUsageJson = Static<typeof usage.ServerUsage>;
export type UsageQueryJson = Static<typeof usage.UsageQuery>;

export type SpendLimitJson = Static<typeof limits.SpendLimit>;
export type SpendLimitBodyJson = Static<typeof limits.SpendLimitBody>;
export type SpendLimitReachedJson = Static<typeof limits.SpendLimitReached>;
export type ServerLimitsJson = Static<typeof limits.ServerLimits>;

export type HealthJson = Static<typeof system.Health>;
export type StorageHealthJson = Static<typeof system.StorageHealth>;
export type DiskSpaceJson = Static<typeof system.DiskSpace>;

/**
 * What a sprite's agent is told about its sprite, in a file the server writes before it boots
 * the sprite (and again when a warm spare is handed over): what services run as, and the
 * sprite's `environment` under their own. Services start before the agent answers anything, so
 * this cannot come with a request.
 */
export interface AgentSettings {
  /** The account services run as unless their definition names one: the image's user. */
  user: string;
  environment: Record<string, string>;
}

/** What the agent's /health answers (an agent-side route, outside the public API). */
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

/** Everything the server answers, in its router's own path syntax: the route table of ./schemas/routes. */
export const API_ROUTES: readonly RouteSpec[] = ROUTES.map(({ method, path }) => ({ method, path }));

/** Everything the agent answers on its unix socket. */
export const AGENT_ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/health' },
  { method: 'WS', path: '/exec' },
  { method: 'GET', path: '/sessions' },
  { method: 'WS', path: '/sessions/attach' },
  { method: 'POST', path: '/sessions/kill' },
  { method: 'WS', path: '/ports/watch' },
  /** An upgrade to a raw TCP pipe (`Upgrade: tcp`), dialled from inside the sprite. */
  { method: 'WS', path: '/tcp' },
  // The filesystem API: one route per operation, the API's paths under /fs, done as `user`.
  { method: 'GET', path: '/fs/read' },
  { method: 'PUT', path: '/fs/write' },
  { method: 'GET', path: '/fs/list' },
  { method: 'DELETE', path: '/fs/delete' },
  { method: 'POST', path: '/fs/rename' },
  { method: 'POST', path: '/fs/copy' },
  { method: 'POST', path: '/fs/chmod' },
  { method: 'POST', path: '/fs/chown' },
  { method: 'GET', path: '/fs/archive' },
  { method: 'PUT', path: '/fs/archive' },
  { method: 'WS', path: '/fs/watch' },
  // Services: one is named by `?name=`, so the agent's router stays an exact match on the path.
  { method: 'GET', path: '/services' },
  { method: 'GET', path: '/service' },
  /** Creates or replaces a service and starts it; NDJSON events for `duration_ms`. */
  { method: 'PUT', path: '/service' },
  { method: 'DELETE', path: '/service' },
  { method: 'POST', path: '/service/start' },
  { method: 'POST', path: '/service/stop' },
  { method: 'POST', path: '/service/restart' },
  { method: 'GET', path: '/service/logs' },
  { method: 'POST', path: '/service/signal' },
];
