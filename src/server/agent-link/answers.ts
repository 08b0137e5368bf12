import type { ClientRequest, IncomingMessage } from 'node:http';
import { HobError, isErrorCode } from '../../shared/errors.js';
import { fsError, isPosixCode } from '../../shared/fs-errors.js';
import type { AgentHealth } from '../../shared/protocol.js';

/**
 * Reading what an agent answers: it runs next to user code, so every answer is bounded,
 * parsed strictly and checked, and a refusal keeps only a code the registry knows.
 */

/** The longest error body read from a refused upgrade. */
export const MAX_REFUSAL_BYTES = 4096;

/** How an NDJSON answer is read: each line parsed and checked by `parse`, within bounds. */
export interface LineBounds<T> {
  maxLines: number;
  maxLineBytes: number;
  parse: (value: unknown) => T;
}

const HEALTH_KEYS = ['agent_version', 'pid', 'uptime_ms'];

export function parseHealth(value: unknown): AgentHealth {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('agent health is not an object');
  const body = value as Record<string, unknown>; // a non-null, non-array object, checked above
  const extra = Object.keys(body).filter((key) => !HEALTH_KEYS.includes(key));
  if (extra.length > 0) throw new Error(`agent health has unknown fields: ${extra.join(', ')}`);
  const { agent_version: version, pid, uptime_ms: uptime } = body;
  if (!Number.isInteger(version) || !Number.isInteger(pid) || typeof uptime !== 'number') throw new Error('agent health is malformed');
  return { agent_version: version as number, pid: pid as number, uptime_ms: uptime }; // checked just above
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HobError('agent_error', 'the agent answered with something that is not JSON');
  }
}

export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Cuts a request to the agent when its caller goes away. */
export function cutOnAbort(req: ClientRequest, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  const cut = (): void => void req.destroy(new HobError('bad_request', 'the client went away'));
  if (signal.aborted) cut();
  else signal.addEventListener('abort', cut, { once: true });
  req.once('close', () => signal.removeEventListener('abort', cut));
}

/**
 * An agent's error body, kept only if it is of the registry's shape; anything else is a
 * generic agent error. A file operation's failure keeps its POSIX code and path, and its
 * registry code (so its status) is derived here from the POSIX code, not taken from the agent.
 */
export function agentRefusal(status: number | undefined, value: unknown, fallback: string): HobError {
  const body = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>; // any object; each field is checked before use
  const message = typeof body.message === 'string' ? body.message.slice(0, 1000) : fallback;
  const details = (typeof body.details === 'object' && body.details !== null ? body.details : {}) as Record<string, unknown>; // any object; each field is checked before use
  if (isPosixCode(details.errno) && typeof details.path === 'string') return fsError(details.errno, message, details.path);
  // Only the agent's client errors pass on with their code: its 5xx are the server's problem to report.
  if (status !== undefined && status >= 400 && status < 500 && isErrorCode(body.error)) return new HobError(body.error, message);
  return new HobError('agent_error', message);
}

export async function refusal(res: IncomingMessage, what: string): Promise<HobError> {
  const fallback = `the agent refused the ${what} (${String(res.statusCode)})`;
  try {
    const text = await readBounded(res, MAX_REFUSAL_BYTES);
    return agentRefusal(res.statusCode, JSON.parse(text), fallback);
  } catch {
    return new HobError('agent_error', fallback);
  }
}

/** The lines of an NDJSON answer, each parsed and checked; too many or too long ones end it with an agent error. */
export async function* readLines<T>(res: IncomingMessage, options: LineBounds<T>): AsyncGenerator<T> {
  res.setEncoding('utf8');
  let buffered = '';
  let lines = 0;
  const take = (line: string): T | undefined => {
    if (line.trim() === '') return undefined;
    if (++lines > options.maxLines) throw new HobError('agent_error', `the agent sent more than ${options.maxLines} lines`);
    return options.parse(parseJson(line));
  };
  for await (const chunk of res as AsyncIterable<string>) { // setEncoding makes the chunks strings
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const value = take(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (value !== undefined) yield value;
    }
    if (buffered.length > options.maxLineBytes) throw new HobError('agent_error', `the agent sent a line over ${options.maxLineBytes} bytes`);
  }
  const last = take(buffered);
  if (last !== undefined) yield last;
}

export function readBounded(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) res.destroy(new HobError('agent_error', `the agent's answer is over ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    res.on('error', reject);
  });
}
