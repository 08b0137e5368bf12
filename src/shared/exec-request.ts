import { parseDurationMs } from './duration.js';
import { HobError } from './errors.js';

/**
 * An exec request as the Sprites v1 API carries it in the query string. The server parses the
 * client's query with this, and hands the agent the re-encoded, validated form.
 */
export interface ExecRequest {
  /** argv; argv[0] is looked up on PATH. */
  cmd: string[];
  env: Record<string, string>;
  dir: string | undefined;
  tty: boolean;
  rows: number;
  cols: number;
  stdin: boolean;
  /**
   * Hob extension: the account (a name from the sprite's /etc/passwd, or a numeric uid) to run
   * as. Absent, the server fills in its image's default user (`sprite` on debian, root elsewhere).
   */
  user?: string;
  /**
   * Kept as a session (listed, attachable) that outlives its client, as every TTY exec is.
   * Optional so that requests built in code (HTTP exec, the CLI) need not name it.
   */
  detachable?: boolean;
  /**
   * How long the command may run once its last client has gone, then it is hung up (SIGHUP,
   * SIGKILL after a grace); 0 means until it exits. Absent: 0 for a TTY or detachable exec,
   * NON_TTY_MAX_RUN_AFTER_DISCONNECT_MS otherwise (Sprites' defaults).
   */
  maxRunAfterDisconnectMs?: number;
}

/** Sprites' default for a non-TTY exec that is not detachable: it outlives its client this long. */
export const NON_TTY_MAX_RUN_AFTER_DISCONNECT_MS = 10_000;
/** The longest a timer can wait in Node (2^31 - 1 ms, about 24.8 days); longer ones would fire at once. */
export const MAX_RUN_AFTER_DISCONNECT_LIMIT_MS = 2_147_483_647;

/** The after-disconnect limit a request ends up with; 0 means none. */
export function maxRunAfterDisconnectOf(req: Pick<ExecRequest, 'tty' | 'detachable' | 'maxRunAfterDisconnectMs'>): number {
  if (req.maxRunAfterDisconnectMs !== undefined) return req.maxRunAfterDisconnectMs;
  return req.tty || req.detachable === true ? 0 : NON_TTY_MAX_RUN_AFTER_DISCONNECT_MS;
}

/** Whether an exec is kept as a session: every TTY exec is (as on Sprites), and any detachable one. */
export function isSession(req: Pick<ExecRequest, 'tty' | 'detachable'>): boolean {
  return req.tty || req.detachable === true;
}

export const DEFAULT_TTY_ROWS = 24;
export const DEFAULT_TTY_COLS = 80;
const MAX_ARGS = 4096;
const MAX_ARG_BYTES = 128 * 1024;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What useradd accepts (a trailing `$` for machine accounts), or a uid. */
const USER_NAME = /^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?|\d{1,5})$/;

function parseBool(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function parseDimension(value: string | null, fallback: number, what: string): number {
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new HobError('bad_request', `${what} must be an integer from 1 to 65535, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function parseExecQuery(params: URLSearchParams): ExecRequest {
  const cmd = params.getAll('cmd');
  if (cmd.length === 0) {
    const path = params.get('path');
    if (path !== null && path !== '') cmd.push(path);
  }
  if (cmd.length === 0 || cmd[0] === '') throw new HobError('bad_request', 'cmd is required: pass the command as ?cmd=<argv0>&cmd=<arg1>…');
  if (cmd.length > MAX_ARGS) throw new HobError('bad_request', `too many arguments (at most ${MAX_ARGS})`);
  let argBytes = 0;
  for (const arg of cmd) {
    argBytes += Buffer.byteLength(arg);
    if (arg.includes('\0')) throw new HobError('bad_request', 'arguments must not contain NUL bytes');
  }
  if (argBytes > MAX_ARG_BYTES) throw new HobError('bad_request', `arguments exceed ${MAX_ARG_BYTES} bytes`);

  const env: Record<string, string> = {};
  for (const entry of params.getAll('env')) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    if (!ENV_KEY.test(key)) throw new HobError('bad_request', `invalid environment variable name ${JSON.stringify(key)}`);
    const value = eq === -1 ? '' : entry.slice(eq + 1);
    if (value.includes('\0')) throw new HobError('bad_request', `environment variable ${key} contains a NUL byte`);
    env[key] = value;
  }

  const dirParam = params.get('dir');
  const dir = dirParam === null || dirParam === '' ? undefined : dirParam;
  if (dir !== undefined && (!dir.startsWith('/') || dir.includes('\0'))) {
    throw new HobError('bad_request', `dir must be an absolute path, got ${JSON.stringify(dir)}`);
  }

  const userParam = params.get('user');
  const user = userParam === null || userParam === '' ? undefined : userParam;
  if (user !== undefined && !USER_NAME.test(user)) throw new HobError('bad_request', `user must be an account name or a uid, got ${JSON.stringify(user.slice(0, 40))}`);

  const tty = parseBool(params.get('tty'));
  const detachable = parseBool(params.get('detachable'));
  const maxRun = parseMaxRunAfterDisconnect(params.get('max_run_after_disconnect'));
  return {
    cmd,
    env,
    dir,
    tty,
    rows: parseDimension(params.get('rows'), DEFAULT_TTY_ROWS, 'rows'),
    cols: parseDimension(params.get('cols'), DEFAULT_TTY_COLS, 'cols'),
    // The JS SDK always sends stdin=true; a missing flag means stdin is closed at once.
    stdin: parseBool(params.get('stdin')),
    ...(user === undefined ? {} : { user }),
    ...(detachable ? { detachable } : {}),
    ...(maxRun === undefined ? {} : { maxRunAfterDisconnectMs: maxRun }),
  };
}

function parseMaxRunAfterDisconnect(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = parseDurationMs(value);
  if (ms === undefined || ms > MAX_RUN_AFTER_DISCONNECT_LIMIT_MS) {
    throw new HobError('bad_request', `max_run_after_disconnect must be a duration such as 30s or 10m (at most 596h), or 0 for no limit; got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return Math.ceil(ms);
}

export function encodeExecQuery(req: ExecRequest): URLSearchParams {
  const params = new URLSearchParams();
  for (const arg of req.cmd) params.append('cmd', arg);
  if (req.cmd[0] !== undefined) params.set('path', req.cmd[0]);
  for (const [key, value] of Object.entries(req.env)) params.append('env', `${key}=${value}`);
  if (req.dir !== undefined) params.set('dir', req.dir);
  if (req.stdin) params.set('stdin', 'true');
  if (req.user !== undefined) params.set('user', req.user);
  if (req.detachable === true) params.set('detachable', 'true');
  if (req.maxRunAfterDisconnectMs !== undefined) params.set('max_run_after_disconnect', `${req.maxRunAfterDisconnectMs}ms`);
  if (req.tty) {
    params.set('tty', 'true');
    params.set('rows', String(req.rows));
    params.set('cols', String(req.cols));
  }
  return params;
}
