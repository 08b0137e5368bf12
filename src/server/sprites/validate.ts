import { parseDurationMs } from '../../shared/duration.js';
import { HobError } from '../../shared/errors.js';
import { MAX_IDLE_TIMEOUT_SECONDS, MIN_IDLE_TIMEOUT_SECONDS } from '../../shared/schemas/sprites.js';
import type { CreateSpriteBody, SpriteSourceJson, UpdateSpriteBody, UrlSettingsJson } from '../../shared/protocol.js';
import type { ServerConfig } from '../config.js';
import type { SpriteConfig } from '../store/sprites.js';

/**
 * What the request schemas (shared/schemas/sprites) cannot say about a sprite body: defaults
 * from the server's configuration or a fork's source, variable names, NUL bytes. Types, ranges
 * and sizes are the schemas' job and have been checked before these run.
 */

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type ConfigDefaults = ServerConfig['spriteDefaults'] & { idleTimeoutMs?: number; waitForCapacity?: boolean };

/** `waitForCapacity` is the body's top-level `wait_for_capacity`, which its wakes keep too. */
export function spriteConfig(input: CreateSpriteBody['config'], defaults: ConfigDefaults, waitForCapacity?: boolean): SpriteConfig {
  const config: SpriteConfig = {
    ramMiB: input?.ram_mb ?? defaults.ramMiB,
    cpus: input?.cpus ?? defaults.cpus,
    pidsMax: input?.pids_max ?? defaults.pidsMax,
    storageGiB: input?.storage_gb ?? defaults.storageGiB,
    // One host is one region; the field is kept so clients that send it are not refused.
    region: input?.region === undefined || input.region === '' ? 'local' : input.region,
  };
  const idleTimeoutMs = input?.idle_timeout === undefined ? defaults.idleTimeoutMs : idleTimeoutMsOf(input.idle_timeout);
  if (idleTimeoutMs !== undefined) config.idleTimeoutMs = idleTimeoutMs;
  if (waitForCapacity ?? defaults.waitForCapacity === true) config.waitForCapacity = true;
  return config;
}

/** `idle_timeout` (seconds or a duration string) in whole milliseconds, checked. */
export function idleTimeoutMsOf(value: number | string): number {
  const ms = typeof value === 'number' ? value * 1000 : parseDurationMs(value);
  if (ms === undefined) throw new HobError('bad_request', `idle_timeout ${JSON.stringify(value)} is neither a number of seconds nor a duration such as "5m" or "2h"`);
  const rounded = Math.ceil(ms);
  if (rounded !== 0 && (rounded < MIN_IDLE_TIMEOUT_SECONDS * 1000 || rounded > MAX_IDLE_TIMEOUT_SECONDS * 1000)) {
    throw new HobError('bad_request', `idle_timeout must be 0 (never) or from ${MIN_IDLE_TIMEOUT_SECONDS}s to 7 days (${MAX_IDLE_TIMEOUT_SECONDS} seconds)`);
  }
  return rounded;
}

export function checkEnvironment(env: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_KEY.test(key)) throw new HobError('bad_request', `invalid environment variable name ${JSON.stringify(key)}`);
    if (value.includes('\0')) throw new HobError('bad_request', `environment.${key} must not contain NUL bytes`);
  }
  return env;
}

function urlSettings(input: NonNullable<CreateSpriteBody['url_settings']>): UrlSettingsJson {
  const auth = input.auth ?? 'sprite';
  return input.private_access === undefined ? { auth } : { auth, private_access: input.private_access };
}

export interface ValidCreate {
  name: string;
  image: string | undefined;
  /** The config asked for, with what the body leaves out taken from `defaults` (the server's, or a fork's source). */
  config: (defaults: ConfigDefaults) => SpriteConfig;
  /** Undefined when the body gives none (a fork then takes its source's). */
  environment: Record<string, string> | undefined;
  labels: string[];
  urlSettings: UrlSettingsJson;
  source: SpriteSourceJson | undefined;
  /** The create waits for room under the cap on running sprites instead of being refused. */
  waitForCapacity: boolean;
}

export function parseCreateBody(body: CreateSpriteBody): ValidCreate {
  return {
    name: body.name,
    image: body.image,
    config: (base) => spriteConfig(body.config, base, body.wait_for_capacity),
    environment: body.environment === undefined ? undefined : checkEnvironment(body.environment),
    source: body.source,
    labels: body.labels ?? [],
    urlSettings: body.url_settings === undefined ? { auth: 'sprite' } : urlSettings(body.url_settings),
    waitForCapacity: body.wait_for_capacity === true,
  };
}

export interface SpriteChanges {
  labels?: string[];
  urlSettings?: UrlSettingsJson;
  /** Null: back to the server's. */
  idleTimeoutMs?: number | null;
  waitForCapacity?: boolean;
}

export function parseUpdateBody(body: UpdateSpriteBody): SpriteChanges {
  const result: SpriteChanges = {};
  if (body.labels !== undefined) result.labels = body.labels;
  if (body.clear_labels === true) result.labels = [];
  if (body.url_settings !== undefined) result.urlSettings = urlSettings(body.url_settings);
  const idleTimeout = body.config?.idle_timeout;
  if (idleTimeout !== undefined) result.idleTimeoutMs = idleTimeout === null ? null : idleTimeoutMsOf(idleTimeout);
  if (body.config?.wait_for_capacity !== undefined) result.waitForCapacity = body.config.wait_for_capacity;
  if (Object.keys(result).length === 0) throw new HobError('bad_request', 'nothing to update: send url_settings, labels, config.idle_timeout or config.wait_for_capacity');
  return result;
}
