import { HobError } from '../../shared/errors.js';
import {
  MAX_SERVICE_ARG_LENGTH,
  MAX_SERVICE_ARGS,
  MAX_SERVICE_CMD_LENGTH,
  MAX_SERVICE_DIR_LENGTH,
  MAX_SERVICE_ENV_ENTRIES,
  MAX_SERVICE_ENV_VALUE_LENGTH,
  MAX_SERVICE_USER_LENGTH,
  MAX_SERVICES,
  SERVICE_ENV_NAME_PATTERN,
  SERVICE_NAME_PATTERN,
  SERVICE_NAME_RULE,
  SERVICE_USER_PATTERN,
} from '../../shared/services.js';

/** A service as it is kept in the sprite's filesystem: what was asked for, and whether it was stopped on purpose. */
export interface ServiceDefinition {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly dir?: string;
  readonly needs: readonly string[];
  readonly http_port?: number;
  readonly user?: string;
  /** Stopped through the API: it stays stopped, also across boots, until it is started again. */
  readonly stopped?: boolean;
}

const NAME = new RegExp(SERVICE_NAME_PATTERN);
const ENV_NAME = new RegExp(SERVICE_ENV_NAME_PATTERN);
const USER = new RegExp(SERVICE_USER_PATTERN);

const bad = (message: string): HobError => new HobError('bad_request', message);

export function checkServiceName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw bad(`a service name is ${SERVICE_NAME_RULE}; got ${JSON.stringify(String(name).slice(0, 80))}`);
  return name;
}

function text(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string') throw bad(`${field} must be a string`);
  if (value.length > maxLength) throw bad(`${field} is longer than ${maxLength} characters`);
  if (value.includes('\0')) throw bad(`${field} must not contain NUL bytes`);
  return value;
}

function list(value: unknown, field: string, maxItems: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bad(`${field} must be an array`);
  if (value.length > maxItems) throw bad(`${field} has more than ${maxItems} entries`);
  return value as unknown[]; // an array of values, each checked by the caller
}

function environment(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('env must be an object of strings');
  const entries = Object.entries(value);
  if (entries.length > MAX_SERVICE_ENV_ENTRIES) throw bad(`env has more than ${MAX_SERVICE_ENV_ENTRIES} variables`);
  const env: Record<string, string> = {};
  for (const [key, raw] of entries) {
    if (!ENV_NAME.test(key)) throw bad(`invalid environment variable name ${JSON.stringify(key.slice(0, 80))}`);
    env[key] = text(raw, `env.${key}`, MAX_SERVICE_ENV_VALUE_LENGTH);
  }
  return env;
}

const FIELDS = new Set(['cmd', 'args', 'env', 'dir', 'needs', 'http_port', 'user', 'stopped']);

/**
 * A service definition from a request or a file, checked field by field: the agent trusts
 * neither (a sprite's root may edit its own files). `stopped` is only read from files.
 */
export function parseDefinition(name: string, value: unknown, source: 'request' | 'file'): ServiceDefinition {
  checkServiceName(name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('a service definition is a JSON object');
  const body = value as Record<string, unknown>; // a non-null, non-array object, checked above
  const unknown = Object.keys(body).filter((key) => !FIELDS.has(key) || (key === 'stopped' && source === 'request'));
  if (unknown.length > 0) throw bad(`unknown service fields: ${unknown.join(', ')}`);
  const cmd = text(body.cmd, 'cmd', MAX_SERVICE_CMD_LENGTH);
  if (cmd === '') throw bad('cmd must not be empty');
  const args = list(body.args, 'args', MAX_SERVICE_ARGS).map((arg, i) => text(arg, `args[${i}]`, MAX_SERVICE_ARG_LENGTH));
  const needs = list(body.needs, 'needs', MAX_SERVICES).map((need) => checkServiceName(need));
  if (new Set(needs).size !== needs.length) throw bad('needs names a service twice');
  if (needs.includes(name)) throw bad(`service ${name} cannot need itself`);
  const definition: { -readonly [K in keyof ServiceDefinition]: ServiceDefinition[K] } = { name, cmd, args, env: environment(body.env), needs };
  if (body.dir !== undefined) {
    const dir = text(body.dir, 'dir', MAX_SERVICE_DIR_LENGTH);
    if (!dir.startsWith('/')) throw bad(`dir must be an absolute path, got ${JSON.stringify(dir.slice(0, 80))}`);
    definition.dir = dir;
  }
  if (body.http_port !== undefined) {
    const port = body.http_port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad('http_port must be a whole number from 1 to 65535');
    definition.http_port = port;
  }
  if (body.user !== undefined) {
    const user = text(body.user, 'user', MAX_SERVICE_USER_LENGTH);
    if (!USER.test(user)) throw bad(`user must be an account name or a uid, got ${JSON.stringify(user)}`);
    definition.user = user;
  }
  if (body.stopped !== undefined) {
    if (typeof body.stopped !== 'boolean') throw bad('stopped must be true or false');
    if (body.stopped) definition.stopped = true;
  }
  return definition;
}
