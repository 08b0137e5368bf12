import type { Readable, Writable } from 'node:stream';
import type { FsWatchMessageJson } from '../../shared/protocol.js';

/** What a streaming operation tells its caller before its first byte: the HTTP head's facts. */
export interface FsHead {
  /** A file's size, when it has one (files in /proc say 0 and are read to their end). */
  sizeBytes?: number;
  /** What the files of a packed directory hold, for a progress bar. */
  totalBytes?: number;
}

/**
 * What an operation reads and writes besides its request, the same whether it runs in the
 * agent or in a worker process as another user.
 */
export interface FsIo {
  /** The request body: write and unpack read it to its end. */
  readonly input?: Readable;
  /** Where read and pack put their bytes; an operation never ends it (its caller does). */
  readonly output?: Writable;
  /** Called once, and awaited, before the first byte goes to `output`. */
  readonly head?: (head: FsHead) => void | Promise<void>;
  /** A watch's messages. */
  readonly message?: (message: FsWatchMessageJson) => void;
  /** The caller went away: stop. */
  readonly signal: AbortSignal;
}

/** What an operation answers: the JSON body of its route. */
export type FsResult = Record<string, unknown>;
