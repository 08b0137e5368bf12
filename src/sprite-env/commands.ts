import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import type { ProgressEvent } from '../shared/protocol.js';
import { callJson, errorMessage, readAll, send } from './request.js';
import { UsageError } from './curl.js';

export interface Io {
  socketPath: string;
  stdout: Writable;
  stderr: Writable;
}

function options<T extends Record<string, { type: 'string' | 'boolean' }>>(args: readonly string[], spec: T) {
  try {
    return parseArgs({ args: [...args], options: spec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function onlyName(positionals: string[], verb: string): string {
  const [name, ...rest] = positionals;
  if (name === undefined || rest.length > 0) throw new UsageError(`tasks ${verb} takes one task name`);
  return name;
}

/** The value of --expire: a number of seconds stays a number, as the API's integer form. */
function expireOf(value: string | undefined): number | string | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : value;
}

const print = (io: Io, value: unknown): void => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export async function tasks(args: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = options(rest, { expire: { type: 'string' } });
  const path = (name: string) => `/v1/tasks/${encodeURIComponent(name)}`;
  switch (verb) {
    case 'list':
      if (positionals.length > 0) throw new UsageError('tasks list takes no arguments');
      print(io, await callJson(io.socketPath, 'GET', '/v1/tasks'));
      return 0;
    case 'get':
      print(io, await callJson(io.socketPath, 'GET', path(onlyName(positionals, verb))));
      return 0;
    case 'create':
      print(io, await callJson(io.socketPath, 'POST', '/v1/tasks', { name: onlyName(positionals, verb), expire: expireOf(values.expire) }));
      return 0;
    case 'refresh':
      print(io, await callJson(io.socketPath, 'PUT', path(onlyName(positionals, verb)), { expire: expireOf(values.expire) }));
      return 0;
    case 'delete':
      await callJson(io.socketPath, 'DELETE', path(onlyName(positionals, verb)));
      return 0;
    case undefined:
    default:
      throw new UsageError(`unknown tasks command ${verb ?? '(none)'}: list, get, create, refresh or delete`);
  }
}

export async function checkpoints(args: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'list': {
      const { values, positionals } = options(rest, { 'include-auto': { type: 'boolean' } });
      if (positionals.length > 0) throw new UsageError('checkpoints list takes no arguments');
      print(io, await callJson(io.socketPath, 'GET', `/v1/checkpoints${values['include-auto'] === true ? '?includeAuto=true' : ''}`));
      return 0;
    }
    case 'create': {
      const { values, positionals } = options(rest, { comment: { type: 'string' } });
      if (positionals.length > 0) throw new UsageError('checkpoints create takes no arguments (--comment TEXT)');
      return createCheckpoint(values.comment, io);
    }
    case undefined:
    default:
      throw new UsageError(`unknown checkpoints command ${verb ?? '(none)'}: list or create`);
  }
}

/** Follows the NDJSON progress of a checkpoint, a line of text per event; fails if it ends in an error. */
async function createCheckpoint(comment: string | undefined, io: Io): Promise<number> {
  const response = await send(io.socketPath, { method: 'POST', path: '/v1/checkpoint', headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(comment === undefined ? {} : { comment })) });
  const text = (await readAll(response)).toString('utf8');
  const status = response.statusCode ?? 0;
  if (status >= 400) throw new Error(errorMessage(text, status));
  let completed = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as ProgressEvent; // one line of the progress stream
    if (event.type === 'error') {
      io.stderr.write(`sprite-env: ${event.error}\n`);
      return 1;
    }
    io.stdout.write(`${event.data}\n`);
    completed ||= event.type === 'complete';
  }
  if (!completed) throw new Error('the checkpoint stream ended without a result');
  return 0;
}
