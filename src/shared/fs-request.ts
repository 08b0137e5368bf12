import { HobError } from './errors.js';
import { ACCOUNT_NAME_PATTERN, MAX_FS_PATH_LENGTH, MAX_ID, OCTAL_MODE_PATTERN, USER_PATTERN } from './schemas/fs.js';

/**
 * One file operation as the server hands it to a sprite's agent: the query string of the
 * agent's `/fs/<op>` route (a body, where there is one, is the data). Paths travel as the
 * caller wrote them; the agent resolves them inside the sprite, never the server.
 */
interface Common {
  /** The account of the sprite to act as: the server decides (image default, asRoot, user). */
  user: string;
  /** Absolute; relative paths start here. */
  workingDir: string;
}

export type FsRequest = Common &
  (
    | { op: 'read'; path: string }
    | { op: 'write'; path: string; mode?: number; mkdirParents: boolean }
    | { op: 'list'; path: string; recursive: boolean; pattern?: string }
    | { op: 'delete'; path: string; recursive: boolean }
    | { op: 'rename'; source: string; dest: string }
    | { op: 'copy'; source: string; dest: string; recursive: boolean; preserveAttrs: boolean }
    | { op: 'chmod'; path: string; mode: number; recursive: boolean }
    | { op: 'chown'; path: string; uid?: number | string; gid?: number | string; recursive: boolean }
    | { op: 'pack'; path: string }
    | { op: 'unpack'; path: string }
  );

export type FsOp = FsRequest['op'];

/** Where each operation is served on the agent (and, under /v1/sprites/{name}, on the API). */
export const FS_AGENT_ROUTES: Record<FsOp, { method: 'GET' | 'PUT' | 'POST' | 'DELETE'; path: string }> = {
  read: { method: 'GET', path: '/fs/read' },
  write: { method: 'PUT', path: '/fs/write' },
  list: { method: 'GET', path: '/fs/list' },
  delete: { method: 'DELETE', path: '/fs/delete' },
  rename: { method: 'POST', path: '/fs/rename' },
  copy: { method: 'POST', path: '/fs/copy' },
  chmod: { method: 'POST', path: '/fs/chmod' },
  chown: { method: 'POST', path: '/fs/chown' },
  pack: { method: 'GET', path: '/fs/archive' },
  unpack: { method: 'PUT', path: '/fs/archive' },
};

export const FS_WATCH_AGENT_PATH = '/fs/watch';

const octal = new RegExp(OCTAL_MODE_PATTERN);
const accountName = new RegExp(ACCOUNT_NAME_PATTERN);
const userPattern = new RegExp(USER_PATTERN);

export function parseOctalMode(text: string): number {
  if (!octal.test(text)) throw new HobError('bad_request', `mode must be an octal number such as 0644, got ${JSON.stringify(text.slice(0, 20))}`);
  return parseInt(text, 8);
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** An owner or group as the API takes it: a number, or a name to look up in the sprite. */
export function parseOwner(text: string, what: string): number | string {
  if (/^\d{1,5}$/.test(text) && Number(text) <= MAX_ID) return Number(text);
  if (accountName.test(text)) return text;
  throw new HobError('bad_request', `${what} must be a number up to ${MAX_ID} or an account name, got ${JSON.stringify(text.slice(0, 40))}`);
}

function checkPath(value: string, what: string): string {
  if (value === '') throw new HobError('bad_request', `${what} is required`);
  if (value.length > MAX_FS_PATH_LENGTH) throw new HobError('bad_request', `${what} is longer than ${MAX_FS_PATH_LENGTH} characters`);
  if (value.includes('\0')) throw new HobError('bad_request', `${what} contains a NUL byte`);
  return value;
}

export function encodeFsRequest(request: FsRequest): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request)) {
    if (key === 'op' || value === undefined || value === false) continue;
    params.set(key, key === 'mode' && typeof value === 'number' ? formatMode(value) : String(value));
  }
  return params;
}

/** The agent's side: the query checked again (it trusts nobody), as the request of `op`. */
export function parseFsRequest(op: FsOp, params: URLSearchParams): FsRequest {
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1) throw new HobError('bad_request', `${key} may be given only once`);
  }
  const text = (key: string): string | undefined => params.get(key) ?? undefined;
  const required = (key: string): string => checkPath(text(key) ?? '', key);
  const flag = (key: string): boolean => text(key) === 'true';
  const user = text('user') ?? '';
  if (!userPattern.test(user)) throw new HobError('bad_request', `user must be an account name or a uid, got ${JSON.stringify(user.slice(0, 40))}`);
  const workingDir = checkPath(text('workingDir') ?? '/', 'workingDir');
  if (!workingDir.startsWith('/')) throw new HobError('bad_request', `workingDir must be an absolute path, got ${JSON.stringify(workingDir.slice(0, 100))}`);
  const common = { user, workingDir };
  switch (op) {
    case 'read':
    case 'pack':
    case 'unpack':
      return { ...common, op, path: required('path') };
    case 'write': {
      const mode = text('mode');
      return { ...common, op, path: required('path'), mkdirParents: flag('mkdirParents'), ...(mode === undefined ? {} : { mode: parseOctalMode(mode) }) };
    }
    case 'list': {
      const pattern = text('pattern');
      if (pattern !== undefined && (pattern === '' || pattern.length > 256)) throw new HobError('bad_request', 'pattern must be 1 to 256 characters');
      return { ...common, op, path: required('path'), recursive: flag('recursive'), ...(pattern === undefined ? {} : { pattern }) };
    }
    case 'delete':
      return { ...common, op, path: required('path'), recursive: flag('recursive') };
    case 'rename':
      return { ...common, op, source: required('source'), dest: required('dest') };
    case 'copy':
      return { ...common, op, source: required('source'), dest: required('dest'), recursive: flag('recursive'), preserveAttrs: flag('preserveAttrs') };
    case 'chmod':
      return { ...common, op, path: required('path'), mode: parseOctalMode(text('mode') ?? ''), recursive: flag('recursive') };
    case 'chown': {
      const uid = text('uid');
      const gid = text('gid');
      if (uid === undefined && gid === undefined) throw new HobError('bad_request', 'chown needs uid, gid or both');
      return {
        ...common,
        op,
        path: required('path'),
        recursive: flag('recursive'),
        ...(uid === undefined ? {} : { uid: parseOwner(uid, 'uid') }),
        ...(gid === undefined ? {} : { gid: parseOwner(gid, 'gid') }),
      };
    }
  }
}
