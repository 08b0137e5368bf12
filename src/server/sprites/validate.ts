import { HobError } from '../../shared/errors.js';
import type { CreateSpriteBody, SpriteConfigJson, SpriteSourceJson, UpdateSpriteBody, UrlSettingsJson } from '../../shared/protocol.js';
import type { ServerConfig } from '../config.js';
import type { SpriteConfig } from '../store/sprites.js';

const MAX_LABELS = 64;
const MAX_LABEL_LENGTH = 128;
const MAX_ENV_ENTRIES = 256;
const MAX_ENV_VALUE = 32 * 1024;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknown(body: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new HobError('bad_request', `unknown field${unknown.length > 1 ? 's' : ''} in ${where}: ${unknown.join(', ')}`);
  }
}

function numberIn(value: unknown, what: string, min: number, max: number, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new HobError('bad_request', `${what} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseSpriteConfig(raw: unknown, defaults: ServerConfig['spriteDefaults']): SpriteConfig {
  if (raw !== undefined && !isObject(raw)) throw new HobError('bad_request', 'config must be an object');
  const config: Partial<Record<keyof SpriteConfigJson, unknown>> = raw ?? {};
  rejectUnknown(config, ['ram_mb', 'cpus', 'region', 'storage_gb', 'pids_max'], 'config');
  if (config.region !== undefined && typeof config.region !== 'string') throw new HobError('bad_request', 'config.region must be a string');
  return {
    ramMiB: config.ram_mb === undefined ? defaults.ramMiB : numberIn(config.ram_mb, 'config.ram_mb', 64, 1024 * 1024, true),
    cpus: config.cpus === undefined ? defaults.cpus : numberIn(config.cpus, 'config.cpus', 0.01, 1024, false),
    pidsMax: config.pids_max === undefined ? defaults.pidsMax : numberIn(config.pids_max, 'config.pids_max', 16, 4_194_304, true),
    storageGiB: config.storage_gb === undefined ? defaults.storageGiB : numberIn(config.storage_gb, 'config.storage_gb', 1, 1024 * 1024, true),
    // One host is one region; the field is kept so clients that send it are not refused.
    region: typeof config.region === 'string' && config.region !== '' ? config.region : 'local',
  };
}

export function parseEnvironment(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new HobError('bad_request', 'environment must be an object of string values');
  const entries = Object.entries(raw);
  if (entries.length > MAX_ENV_ENTRIES) throw new HobError('bad_request', `environment has more than ${MAX_ENV_ENTRIES} entries`);
  const env: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!ENV_KEY.test(key)) throw new HobError('bad_request', `invalid environment variable name ${JSON.stringify(key)}`);
    if (typeof value !== 'string' || value.length > MAX_ENV_VALUE || value.includes('\0')) {
      throw new HobError('bad_request', `environment.${key} must be a string without NUL bytes, at most ${MAX_ENV_VALUE} characters`);
    }
    env[key] = value;
  }
  return env;
}

export function parseLabels(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length > MAX_LABELS) throw new HobError('bad_request', `labels must be an array of at most ${MAX_LABELS} strings`);
  return raw.map((label) => {
    if (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL_LENGTH) {
      throw new HobError('bad_request', `each label must be a non-empty string of at most ${MAX_LABEL_LENGTH} characters`);
    }
    return label;
  });
}

export function parseUrlSettings(raw: unknown): UrlSettingsJson {
  if (!isObject(raw)) throw new HobError('bad_request', 'url_settings must be an object');
  rejectUnknown(raw, ['auth', 'private_access'], 'url_settings');
  const auth = raw.auth ?? 'sprite';
  if (auth !== 'public' && auth !== 'sprite') throw new HobError('bad_request', 'url_settings.auth must be "public" or "sprite"');
  const access = raw.private_access;
  if (access !== undefined && access !== 'admins' && access !== 'org_users') {
    throw new HobError('bad_request', 'url_settings.private_access must be "admins" or "org_users"');
  }
  return access === undefined ? { auth } : { auth, private_access: access };
}

export interface ValidCreate {
  name: unknown;
  image: string | undefined;
  /** The config asked for, with what the body leaves out taken from `defaults` (the server's, or a fork's source). */
  config: (defaults: ServerConfig['spriteDefaults']) => SpriteConfig;
  /** Undefined when the body gives none (a fork then takes its source's). */
  environment: Record<string, string> | undefined;
  labels: string[];
  urlSettings: UrlSettingsJson;
  source: SpriteSourceJson | undefined;
}

export function parseSource(raw: unknown): SpriteSourceJson {
  if (!isObject(raw)) throw new HobError('bad_request', 'source must be an object like {"sprite": "name", "checkpoint": "v1"}');
  rejectUnknown(raw, ['sprite', 'checkpoint'], 'source');
  if (typeof raw.sprite !== 'string' || raw.sprite === '') throw new HobError('bad_request', 'source.sprite must be the name of a sprite');
  if (raw.checkpoint === undefined) return { sprite: raw.sprite };
  if (typeof raw.checkpoint !== 'string' || raw.checkpoint === '') throw new HobError('bad_request', 'source.checkpoint must be a checkpoint id like "v1"');
  return { sprite: raw.sprite, checkpoint: raw.checkpoint };
}

export function parseCreateBody(body: unknown, defaults: ServerConfig['spriteDefaults']): ValidCreate {
  if (!isObject(body)) throw new HobError('bad_request', 'the request body must be a JSON object like {"name": "my-sprite"}');
  const allowed: (keyof CreateSpriteBody)[] = ['name', 'config', 'environment', 'url_settings', 'labels', 'wait_for_capacity', 'runtime', 'image', 'source'];
  rejectUnknown(body, allowed, 'the request body');
  if (body.image !== undefined && typeof body.image !== 'string') throw new HobError('bad_request', 'image must be a string');
  // Checked now against the server's defaults, so a bad config is refused before anything starts.
  parseSpriteConfig(body.config, defaults);
  return {
    name: body.name,
    image: body.image,
    config: (base) => parseSpriteConfig(body.config, base),
    environment: body.environment === undefined ? undefined : parseEnvironment(body.environment),
    source: body.source === undefined ? undefined : parseSource(body.source),
    labels: body.labels === undefined ? [] : parseLabels(body.labels),
    urlSettings: body.url_settings === undefined ? { auth: 'sprite' } : parseUrlSettings(body.url_settings),
  };
}

export function parseUpdateBody(body: unknown): { labels?: string[]; urlSettings?: UrlSettingsJson } {
  if (!isObject(body)) throw new HobError('bad_request', 'the request body must be a JSON object');
  const allowed: (keyof UpdateSpriteBody)[] = ['url_settings', 'labels', 'clear_labels'];
  rejectUnknown(body, allowed, 'the request body');
  const result: { labels?: string[]; urlSettings?: UrlSettingsJson } = {};
  if (body.labels !== undefined) result.labels = parseLabels(body.labels);
  if (body.clear_labels === true) result.labels = [];
  if (body.url_settings !== undefined) result.urlSettings = parseUrlSettings(body.url_settings);
  if (Object.keys(result).length === 0) throw new HobError('bad_request', 'nothing to update: send url_settings or labels');
  return result;
}
