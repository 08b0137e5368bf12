import { constants } from 'node:os';
import { HobError } from '../../shared/errors.js';
import { fsError, isPosixCode, type PosixCode } from '../../shared/fs-errors.js';

/** What strerror says, for errors Node built without the usual `CODE: text, syscall 'path'` message. */
const DESCRIPTIONS: Partial<Record<PosixCode, string>> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTEMPTY: 'directory not empty',
  EINVAL: 'invalid argument',
  EIO: 'input/output error',
  ENOSPC: 'no space left on device',
  EDQUOT: "the sprite's disk is full (its storage_gb limit)",
};

/** Node's fs.cp reports its own refusals under codes of its own; these are the POSIX codes they stand for. */
const NODE_CODES: Record<string, PosixCode> = {
  ERR_FS_EISDIR: 'EISDIR',
  ERR_FS_CP_EINVAL: 'EINVAL',
  ERR_FS_CP_DIR_TO_NON_DIR: 'ENOTDIR',
  ERR_FS_CP_NON_DIR_TO_DIR: 'EISDIR',
  ERR_FS_CP_EEXIST: 'EEXIST',
  ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY: 'EINVAL',
  ERR_FS_CP_FIFO_PIPE: 'EINVAL',
  ERR_FS_CP_SOCKET: 'EINVAL',
  ERR_FS_CP_UNKNOWN: 'EINVAL',
};

/** Whether `error` is a failure with one of these errno codes. */
export function hasCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes(String((error as { code?: unknown }).code)); // any object; its code is read as a string
}

/** libuv has no name for some errnos (EDQUOT: "Unknown system error -122"); the number still says which. */
function codeOfNumber(errno: unknown): string | undefined {
  if (typeof errno !== 'number') return undefined;
  return Object.entries(constants.errno).find(([, value]) => value === -errno)?.[0];
}

/** A POSIX failure raised by Hob's own checks, in the shape the fs routes answer. */
export function posixError(errno: PosixCode, path: string, message = DESCRIPTIONS[errno] ?? errno): HobError {
  return fsError(errno, message, path);
}

/**
 * Any failure of a file operation as a HobError: errno failures keep their POSIX code, the
 * path they name (Node's, else the operation's) and strerror's words; tar's refusals of an
 * archive are EINVAL; anything else is an internal error.
 */
export function toFsError(error: unknown, path: string): HobError {
  if (error instanceof HobError) return error;
  const errno = error as Partial<NodeJS.ErrnoException> & { tarCode?: string }; // fs, tar and abort errors all carry these optionally
  const named = errno.code === undefined ? undefined : (NODE_CODES[errno.code] ?? errno.code);
  const code = isPosixCode(named) ? named : (codeOfNumber(errno.errno) ?? named);
  const where = typeof errno.path === 'string' ? errno.path : path;
  if (isPosixCode(code)) return fsError(code, code === named ? describe(code, errno.message) : (DESCRIPTIONS[code] ?? code), where);
  if (errno.tarCode !== undefined || errno.code?.startsWith('TAR_') === true) return fsError('EINVAL', `not a usable tar archive: ${errno.message ?? errno.code ?? 'unreadable'}`, path);
  if (errno.name === 'AbortError') return new HobError('bad_request', 'the request was abandoned before the operation finished');
  return new HobError('internal', `${path}: ${errno.message ?? String(error)}`);
}

/** `ENOENT: no such file or directory, open '/x'` → `no such file or directory`. */
function describe(code: PosixCode, message: string | undefined): string {
  const match = /^[A-Z]+: ([^,]+)/.exec(message ?? '');
  return match?.[1] ?? DESCRIPTIONS[code] ?? code;
}
