import { HobError, type ErrorCode } from '../../../shared/errors.js';

const CODES: Record<string, ErrorCode> = { ENOENT: 'not_found', EACCES: 'forbidden', EPERM: 'forbidden', EEXIST: 'already_exists', ENOSPC: 'insufficient_storage', EDQUOT: 'insufficient_storage' };

/** A failure on this machine's side of a copy as one line naming the path, not a stack. */
export function localError(error: unknown, path: string): unknown {
  if (error instanceof HobError) return error;
  const errno = error as Partial<NodeJS.ErrnoException> & { tarCode?: string }; // fs and tar errors carry these
  if (errno.tarCode !== undefined && !/^E[A-Z]+$/.test(errno.code ?? '')) return new HobError('bad_request', `${path}: the archive from the sprite cannot be unpacked here: ${errno.message ?? errno.tarCode}`);
  if (typeof errno.code !== 'string' || !/^E[A-Z]+$/.test(errno.code)) return error;
  const reason = /^[A-Z]+: ([^,]+)/.exec(errno.message ?? '')?.[1] ?? errno.code;
  return new HobError(CODES[errno.code] ?? 'bad_request', `${path}: ${reason}`);
}
