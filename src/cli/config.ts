import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HobError } from '../shared/errors.js';
import { assertValidName } from '../shared/names.js';

/** The file `hob use` writes in a project directory to pick its sprite. */
export const SPRITE_FILE = '.hob';

export interface CliEnvironment {
  /** HOB_URL: the server; overrides the config file. */
  url: string | undefined;
  /** HOB_TOKEN: the API token; overrides the config file. */
  token: string | undefined;
  /** Where `hob serve` saved the admin token: $XDG_CONFIG_HOME/hob/config.json or ~/.config/hob/config.json. */
  configPath: string;
  cwd: string;
  /** TERM and locale variables, passed on only with --tty. */
  terminalEnv: Record<string, string>;
}

/** Reads the environment once; nothing else in the CLI looks at process.env. */
export function readCliEnvironment(env: NodeJS.ProcessEnv, cwd: string): CliEnvironment {
  const configHome = env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config');
  const terminalEnv: Record<string, string> = {};
  for (const key of ['TERM', 'COLORTERM', 'LANG', 'LC_ALL', 'LC_CTYPE']) {
    const value = env[key];
    if (value !== undefined && value !== '') terminalEnv[key] = value;
  }
  return {
    url: env.HOB_URL || undefined,
    token: env.HOB_TOKEN || undefined,
    configPath: env.HOB_CLI_CONFIG ?? join(configHome, 'hob', 'config.json'),
    cwd,
    terminalEnv,
  };
}

/**
 * Where the `hob` executable keeps V8's code cache of the CLI bundle (src/cli/bin.ts):
 * $XDG_CACHE_HOME/hob/v8, else ~/.cache/hob/v8. HOB_COMPILE_CACHE=0 turns it off.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HOB_COMPILE_CACHE === '0') return undefined;
  const cacheHome = env.XDG_CACHE_HOME || join(env.HOME ?? homedir(), '.cache');
  return join(cacheHome, 'hob', 'v8');
}

export function resolveConnection(environment: CliEnvironment): { url: string; token: string } {
  let file: { url?: unknown; token?: unknown } = {};
  if (existsSync(environment.configPath)) {
    try {
      file = JSON.parse(readFileSync(environment.configPath, 'utf8')) as typeof file; // fields checked below
    } catch {
      throw new HobError('bad_request', `${environment.configPath} is not valid JSON; fix or remove it`);
    }
  }
  const url = environment.url ?? (typeof file.url === 'string' ? file.url : 'http://127.0.0.1:7070');
  const token = environment.token ?? (typeof file.token === 'string' ? file.token : undefined);
  if (token === undefined) {
    throw new HobError(
      'unauthorized',
      `no API token: set HOB_TOKEN, or run \`hob serve\` once on this machine (it saves one to ${environment.configPath})`,
    );
  }
  return { url, token };
}

/** The sprite a command acts on: -s/--sprite, else the nearest .hob file from cwd upwards. */
export function resolveSpriteName(explicit: string | undefined, environment: CliEnvironment): string {
  if (explicit !== undefined) {
    assertValidName(explicit);
    return explicit;
  }
  for (let dir = environment.cwd; ; dir = dirname(dir)) {
    const file = join(dir, SPRITE_FILE);
    if (existsSync(file)) {
      const name = readSpriteFile(file);
      if (name !== undefined) return name;
    }
    if (dirname(dir) === dir) break;
  }
  throw new HobError('bad_request', 'no sprite named: pass -s NAME, or run `hob use NAME` in this directory');
}

function readSpriteFile(file: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { sprite?: unknown }; // checked below
    return typeof parsed.sprite === 'string' ? parsed.sprite : undefined;
  } catch {
    return undefined;
  }
}

export function writeSpriteFile(dir: string, name: string): string {
  const file = join(dir, SPRITE_FILE);
  writeFileSync(file, `${JSON.stringify({ sprite: name })}\n`);
  return file;
}
