import { HobError, type ErrorCode } from './errors.js';

/**
 * POSIX error codes a file operation can fail with, and the registry code (so the HTTP status)
 * each is answered with. The Sprites SDK reads the first nine into FilesystemError.code; the
 * rest reach it as UNKNOWN but still carry the truth in `code`.
 */
const POSIX_TO_CODE = {
  ENOENT: 'not_found',
  EEXIST: 'already_exists',
  ENOTDIR: 'bad_request',
  EISDIR: 'bad_request',
  EACCES: 'forbidden',
  EPERM: 'forbidden',
  ENOTEMPTY: 'bad_request',
  EINVAL: 'bad_request',
  EIO: 'internal',
  ELOOP: 'bad_request',
  ENAMETOOLONG: 'bad_request',
  EROFS: 'forbidden',
  EXDEV: 'bad_request',
  EBUSY: 'conflict',
  ETXTBSY: 'conflict',
  EFBIG: 'body_too_large',
  EMLINK: 'bad_request',
  ENOSPC: 'insufficient_storage',
  EDQUOT: 'insufficient_storage',
} as const satisfies Record<string, ErrorCode>;

export type PosixCode = keyof typeof POSIX_TO_CODE;

/** Longest path an fs error carries back; paths are at most PATH_MAX (4096) anyway. */
const MAX_ERROR_PATH_LENGTH = 4096;
const MAX_ERROR_MESSAGE_LENGTH = 1000;

export function isPosixCode(value: unknown): value is PosixCode {
  return typeof value === 'string' && Object.hasOwn(POSIX_TO_CODE, value);
}

/** A file operation's failure: its registry code follows from the POSIX code, which travels in details. */
export function fsError(errno: PosixCode, message: string, path: string): HobError {
  return new HobError(POSIX_TO_CODE[errno], message.slice(0, MAX_ERROR_MESSAGE_LENGTH), { details: { errno, path: path.slice(0, MAX_ERROR_PATH_LENGTH) } });
}

/** The POSIX side of an fs error, if it is one. */
export function fsErrorDetails(error: HobError): { errno: PosixCode; path: string } | undefined {
  const errno = error.details?.errno;
  const path = error.details?.path;
  return isPosixCode(errno) && typeof path === 'string' ? { errno, path } : undefined;
}

/**
 * The body the Sprites SDK's filesystem calls read on an error: `error` is the message, `code`
 * the POSIX code (`ENOENT` makes `exists()` answer false) and `path` the path it concerns.
 */
export interface FsErrorBody {
  error: string;
  code: PosixCode;
  path: string;
}

export function fsErrorBody(error: HobError): FsErrorBody | undefined {
  const details = fsErrorDetails(error);
  return details === undefined ? undefined : { error: error.message, code: details.errno, path: details.path };
}

/** An fs error body as the HobError it stands for, if the body is one. */
export function fsErrorFromBody(body: Record<string, unknown>): HobError | undefined {
  if (!isPosixCode(body.code) || typeof body.error !== 'string') return undefined;
  return fsError(body.code, body.error, typeof body.path === 'string' ? body.path : '');
}
