import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { Check } from '@sinclair/typebox/value';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { HobError } from '../../shared/errors.js';
import { encodeFsRequest, FS_AGENT_ROUTES, type FsRequest } from '../../shared/fs-request.js';
import { FS_AGENT_VERSION } from '../../shared/version.js';
import type { AgentLink } from '../agent-link/link.js';
import { imageProfile } from '../images/profile.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRecord } from '../store/sprites.js';

/**
 * How long a file operation's connection to the agent may sit silent: a recursive copy or
 * delete of a large tree says nothing until it is done, and the SDK waits without a timeout.
 */
export const FS_IDLE_TIMEOUT_MS = 30 * 60_000;
/** A listing of MAX_LIST_ENTRIES entries with long paths stays under this. */
const MAX_FS_ANSWER_BYTES = 64 * 1024 * 1024;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

// TypeBox fails every format it has not been told about; listings carry RFC 3339 times.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)));

/** Whom a file operation acts as: root with `asRoot`, else the named account, else the image's user. */
export function fsUser(record: Pick<SpriteRecord, 'image'>, query: { asRoot?: boolean | undefined; user?: string | undefined }): string {
  if (query.asRoot === true) return 'root';
  return query.user ?? imageProfile(record.image).user;
}

/** The agent's answer, if it has the contract's shape: it comes from next to user code. */
export function checkedAnswer<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  if (Check(schema, value)) return value;
  throw new HobError('agent_error', `the sprite's agent answered ${what} with something outside the contract`);
}

function agentPath(request: FsRequest): string {
  return `${FS_AGENT_ROUTES[request.op].path}?${encodeFsRequest(request).toString()}`;
}

async function ready(link: AgentLink): Promise<AgentLink> {
  await link.ready();
  link.requireVersion(FS_AGENT_VERSION, 'the filesystem API');
  return link;
}

/** A file operation with a JSON answer, through the one road to the agent (waking the sprite). */
export function callFs<T extends TSchema>(lifecycle: SpriteLifecycle, name: string, request: FsRequest, answer: T, signal: AbortSignal): Promise<Static<T>> {
  const { method } = FS_AGENT_ROUTES[request.op];
  return lifecycle.withAgent(name, async (link) =>
    (await ready(link)).call(agentPath(request), {
      method,
      timeoutMs: FS_IDLE_TIMEOUT_MS,
      maxAnswerBytes: MAX_FS_ANSWER_BYTES,
      signal,
      parse: (value) => checkedAnswer(answer, value, `/fs/${request.op}`),
    }),
  );
}

/** A file operation whose body or answer streams: the agent's answer, its head checked, its body unread. */
export function streamFs(lifecycle: SpriteLifecycle, name: string, request: FsRequest, body: Readable | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const method = FS_AGENT_ROUTES[request.op].method === 'PUT' ? 'PUT' : 'GET';
  return lifecycle.withAgent(name, async (link) => (await ready(link)).stream(agentPath(request), { method, ...(body === undefined ? {} : { body }), idleTimeoutMs: FS_IDLE_TIMEOUT_MS, signal }));
}

/** A streamed operation's JSON answer, read (bounded) and checked. */
export async function readAnswer<T extends TSchema>(response: IncomingMessage, answer: T, what: string): Promise<Static<T>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length; // an IncomingMessage yields Buffers
    if (size > MAX_FS_ANSWER_BYTES) throw new HobError('agent_error', `the agent's answer to ${what} is too large`);
    chunks.push(chunk as Buffer); // as above
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString());
  } catch {
    throw new HobError('agent_error', `the agent's answer to ${what} is not JSON`);
  }
  return checkedAnswer(answer, value, what);
}
