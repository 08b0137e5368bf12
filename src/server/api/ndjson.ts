import type { FastifyReply } from 'fastify';
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
