import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { HobError } from '../../shared/errors.js';

/**
 * Which sprite a request on an in-sprite API socket comes from. It is set by the listener of
 * that sprite's socket, the only place that knows, and nothing in the request can change it.
 */
const callers = new WeakMap<IncomingMessage, string>();

export function setCaller(request: IncomingMessage, spriteId: string): void {
  callers.set(request, spriteId);
}

export function callerOf(request: FastifyRequest): string {
  const spriteId = callers.get(request.raw);
  // Every request reaches the routes through a sprite's socket; one that did not is a bug.
  if (spriteId === undefined) throw new HobError('internal', 'a request on the in-sprite API without a sprite');
  return spriteId;
}
