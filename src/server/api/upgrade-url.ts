import { HobError } from '../../shared/errors.js';

/**
 * The pieces of a WebSocket upgrade's target, which fastify never sees: a target that is not a
 * URL, or a path segment that is not valid percent-encoding, is the client's mistake (400), as
 * fastify answers for plain HTTP routes.
 */
export function parseUpgradeUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://hob');
  } catch {
    throw new HobError('bad_request', 'the request target is not a valid URL');
  }
}

export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HobError('bad_request', `the path segment ${JSON.stringify(segment.slice(0, 100))} is not valid percent-encoding`);
  }
}
