import type { FastifyReply } from 'fastify';

/**
 * Aborts once the client has gone away without its answer: for work it waits on that is only
 * worth finishing for someone (a create waiting minutes for its image).
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
