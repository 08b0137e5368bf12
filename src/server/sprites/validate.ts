import { HobError } from '../../shared/errors.js';
import type { CreateSpriteBody, SpriteSourceJson, UpdateSpriteBody, UrlSettingsJson } from '../../shared/protocol.js';
import type { ServerConfig } from '../config.js';
import type { SpriteConfig } from '../store/sprites.js';

/**
 * What the request schemas (shared/schemas/sprites) cannot say about a sprite body: defaults
 * from the server's configuration or a fork's source, variable names, NUL bytes. Types, ranges
 * and sizes are the schemas' job and have been checked before these run.
 */

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function spriteConfig(input: CreateSpriteBody['config'], defaults: ServerConfig['spriteDefaults']): SpriteConfig {
  return {
    ramMiB: input?.ram_mb ?? defaults.ramMiB,
    cpus: input?.cpus ?? defaults.cpus,
    pidsMax: input?.pids_max ?? defaults.pidsMax,
    storageGiB: input?.storage_gb ?? defaults.storageGiB,
    // One host is one region; the field is kept so clients that send it are not refused.
    region: input?.region === undefined || input.region === '' ? 'local' : input.region,
  };
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
  config: (defaults: ServerConfig['spriteDefaults']) => SpriteConfig;
  /** Undefined when the body gives none (a fork then takes its source's). */
  environment: Record<string, string> | undefined;
  labels: string[];
  urlSettings: UrlSettingsJson;
  source: SpriteSourceJson | undefined;
}

export function parseCreateBody(body: CreateSpriteBody): ValidCreate {
  return {
    name: body.name,
    image: body.image,
    config: (base) => spriteConfig(body.config, base),
    environment: body.environment === undefined ? undefined : checkEnvironment(body.environment),
    source: body.source,
    labels: body.labels ?? [],
    urlSettings: body.url_settings === undefined ? { auth: 'sprite' } : urlSettings(body.url_settings),
  };
}

export function parseUpdateBody(body: UpdateSpriteBody): { labels?: string[]; urlSettings?: UrlSettingsJson } {
  const result: { labels?: string[]; urlSettings?: UrlSettingsJson } = {};
  if (body.labels !== undefined) result.labels = body.labels;
  if (body.clear_labels === true) result.labels = [];
  if (body.url_settings !== undefined) result.urlSettings = urlSettings(body.url_settings);
  if (Object.keys(result).length === 0) throw new HobError('bad_request', 'nothing to update: send url_settings or labels');
  return result;
}
