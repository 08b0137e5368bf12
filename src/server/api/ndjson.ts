import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { HobError, errorCodeOf } from '../../shared/errors.js';
import type { ProgressEvent } from '../../shared/protocol.js';
import type { ImageJob } from '../images/registry.js';

/**
 * Streams a job's progress as NDJSON, one flushed line per event, ending the body when the job
 * ends. The client's disconnect only stops the stream; the job itself carries on.
 */
export function streamJob(reply: FastifyReply, job: ImageJob): void {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  const write = (event: ProgressEvent): void => {
    if (!raw.writableEnded) raw.write(`${JSON.stringify(event)}\n`);
  };
  write(job.last);
  const unsubscribe = job.subscribe(write);
  raw.on('close', unsubscribe);
  void job.done
    .catch(() => undefined)
    .finally(() => {
      unsubscribe();
      raw.end();
    });
}

/**
 * Streams a one-off operation (checkpoint, restore) as NDJSON in the shape the Sprites SDK
 * reads: timed `info` lines while it runs, then `complete` or `error`, then the body ends. The
 * operation runs to its end even if the client goes away: stopping half-way is what crash
 * recovery exists for, not what a closed connection should cause.
 */
export function streamOperation(reply: FastifyReply, run: (progress: (message: string) => void) => Promise<{ data: string; id?: string }>, log: FastifyBaseLogger): void {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  const write = (event: ProgressEvent): void => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(`${JSON.stringify({ ...event, time: new Date().toISOString() })}\n`);
  };
  void run((message) => write({ type: 'info', data: message }))
    .then(
      (result) => write({ type: 'complete', ...result }),
      (error: unknown) => {
        if (!(error instanceof HobError) || error.status >= 500) log.error({ err: error }, 'operation failed');
        write({ type: 'error', error: error instanceof Error ? error.message : String(error), code: errorCodeOf(error) });
      },
    )
    .finally(() => raw.end());
}
