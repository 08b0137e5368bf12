import { HobError, isErrorCode } from '../../shared/errors.js';
import { fsError, isPosixCode } from '../../shared/fs-errors.js';
import type { FsRequest } from '../../shared/fs-request.js';
import type { FsWatchMessageJson } from '../../shared/protocol.js';
import type { FsHead, FsResult } from './io.js';

/** A watch runs in a worker too, for as long as its socket is open. */
export interface WatchRequest {
  op: 'watch';
  paths: string[];
  recursive: boolean;
}

export type WorkerRequest = FsRequest | WatchRequest;

/** What a worker sends the agent over its IPC channel, in order: a head, messages, then done or error. */
export type WorkerMessage =
  | { type: 'head'; head: FsHead }
  | { type: 'message'; message: FsWatchMessageJson }
  | { type: 'done'; result: FsResult }
  | { type: 'error'; error: { code: string; message: string; details?: Record<string, unknown> } };

export function serializeError(error: HobError): Extract<WorkerMessage, { type: 'error' }>['error'] {
  return error.details === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, details: error.details };
}

const MAX_TEXT = 8192;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TEXT;
}

function count(value: unknown): boolean {
  return value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0); // a number, checked by isSafeInteger
}

function isWatchMessage(value: unknown): value is FsWatchMessageJson {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'subscribed':
      return Array.isArray(value.paths) && value.paths.every(text);
    case 'event':
      return text(value.path) && ['create', 'write', 'remove', 'rename', 'chmod'].includes(String(value.event)) && text(value.timestamp) && count(value.size) && typeof value.isDir === 'boolean';
    case 'error':
      return text(value.message) && (value.path === undefined || text(value.path));
    default:
      return false;
  }
}

/**
 * A worker's message, checked: the worker runs as the sprite's user, so its process is the
 * user's to tamper with, and nothing it says is passed on unchecked.
 */
export function parseWorkerMessage(value: unknown): WorkerMessage {
  if (!isRecord(value)) throw new Error('not an object');
  switch (value.type) {
    case 'head': {
      const head = value.head;
      if (!isRecord(head) || !count(head.sizeBytes) || !count(head.totalBytes)) throw new Error('a malformed head');
      return { type: 'head', head: { ...(head.sizeBytes === undefined ? {} : { sizeBytes: head.sizeBytes as number }), ...(head.totalBytes === undefined ? {} : { totalBytes: head.totalBytes as number }) } }; // both checked by count()
    }
    case 'message':
      if (!isWatchMessage(value.message)) throw new Error('a malformed watch message');
      return { type: 'message', message: value.message };
    case 'done':
      if (!isRecord(value.result)) throw new Error('a malformed result');
      return { type: 'done', result: value.result };
    case 'error': {
      const error = value.error;
      if (!isRecord(error) || !text(error.message) || typeof error.code !== 'string') throw new Error('a malformed error');
      return { type: 'error', error: { code: error.code, message: error.message, ...(isRecord(error.details) ? { details: error.details } : {}) } };
    }
    default:
      throw new Error(`an unknown message type ${JSON.stringify(value.type)}`);
  }
}

/** A worker's error as the HobError it reported: a POSIX failure keeps its code and path; an unknown code is internal. */
export function errorFromWorker(error: Extract<WorkerMessage, { type: 'error' }>['error']): HobError {
  const errno = error.details?.errno;
  const path = error.details?.path;
  if (isPosixCode(errno) && typeof path === 'string') return fsError(errno, error.message, path);
  return new HobError(isErrorCode(error.code) ? error.code : 'internal', error.message);
}
