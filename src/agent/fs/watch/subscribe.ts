import { HobError } from '../../../shared/errors.js';
import { MAX_FS_PATH_LENGTH } from '../../../shared/schemas/fs.js';
import { resolvePath } from '../paths.js';
import type { WatchRequest } from '../worker-protocol.js';

/** Paths one watch may name. */
export const MAX_WATCH_PATHS = 64;

function isPath(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_FS_PATH_LENGTH && !value.includes('\0');
}

/**
 * The SDK's first frame, `{"type":"subscribe","paths":[…],"recursive":true,"workingDir":"/app"}`,
 * checked, with its paths resolved as every fs route resolves them.
 */
export function parseSubscribe(text: string): WatchRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HobError('bad_request', 'the first message must be a JSON subscribe frame');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HobError('bad_request', 'the first message must be a JSON subscribe frame');
  const frame = value as Record<string, unknown>; // a non-null, non-array object; each field is checked below
  if (frame.type !== 'subscribe') throw new HobError('bad_request', 'the first message must have "type": "subscribe"');
  const paths = typeof frame.paths === 'string' ? [frame.paths] : frame.paths;
  if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_WATCH_PATHS || !paths.every(isPath)) {
    throw new HobError('bad_request', `paths must be 1 to ${MAX_WATCH_PATHS} paths`);
  }
  const workingDir = frame.workingDir ?? '/';
  if (!isPath(workingDir) || !workingDir.startsWith('/')) throw new HobError('bad_request', 'workingDir must be an absolute path');
  if (frame.recursive !== undefined && typeof frame.recursive !== 'boolean') throw new HobError('bad_request', 'recursive must be true or false');
  return { op: 'watch', paths: [...new Set(paths.map((path) => resolvePath(path, workingDir)))], recursive: frame.recursive === true };
}
