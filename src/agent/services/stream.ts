import type { ServerResponse } from 'node:http';
import { errorText } from '../log.js';
import type { ServiceEvent } from './output.js';
import type { ServiceRunner } from './runner.js';

/**
 * A follower that reads slower than the service writes loses output rather than have it queued
 * in the agent's memory without bound; the log files keep all of it.
 */
const MAX_QUEUED_BYTES = 1024 * 1024;

export interface ServiceOperation {
  readonly runner: ServiceRunner;
  /** Settles once the operation (start, stop, …) is done; its failure becomes an `error` event. */
  readonly done: Promise<void>;
  /** Events to send first (the recent lines for `logs`). */
  readonly before?: readonly ServiceEvent[];
}

/**
 * Answers with the NDJSON stream the Sprites SDK reads: the service's events while `operation`
 * runs and for `watchMs` after it, then `complete` with its log files, then the end of the body.
 * The client going away stops the stream, not the operation.
 */
export function followService(res: ServerResponse, operation: ServiceOperation, watchMs: number): void {
  const { runner } = operation;
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const open = (): boolean => !res.writableEnded && !res.destroyed;
  const send = (event: ServiceEvent): void => {
    if (open() && res.writableLength < MAX_QUEUED_BYTES) res.write(`${JSON.stringify(event)}\n`);
  };
  for (const event of operation.before ?? []) send(event);
  const unsubscribe = runner.output.subscribe(send);
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
  void closed.then(unsubscribe);
  void operation.done
    .catch((err: unknown) => send({ type: 'error', data: errorText(err), timestamp: Date.now() }))
    .then(() => watch(watchMs, closed))
    .then(() => {
      unsubscribe();
      send({ type: 'complete', log_files: runner.output.logFiles, timestamp: Date.now() });
      if (open()) res.end();
    });
}

function watch(ms: number, closed: Promise<void>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), closed]).finally(() => clearTimeout(timer));
}
