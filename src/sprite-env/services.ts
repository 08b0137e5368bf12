import { parseArgs } from 'node:util';
import type { ServiceLogEventJson } from '../shared/protocol.js';
import type { Io } from './commands.js';
import { callJson, errorMessage, readAll, send } from './request.js';
import { UsageError } from './curl.js';

const OPTIONS = {
  cmd: { type: 'string' },
  args: { type: 'string' },
  env: { type: 'string' },
  dir: { type: 'string' },
  needs: { type: 'string' },
  'http-port': { type: 'string' },
  user: { type: 'string' },
  duration: { type: 'string' },
  timeout: { type: 'string' },
  lines: { type: 'string' },
  'no-stream': { type: 'boolean' },
} as const;

const VERBS = 'list, get, create, start, stop, restart, signal, logs or delete';

/** `--args -c,…` is what people type (a command's arguments often start with a dash); parseArgs would take the value for an option. */
function joinArgsValue(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const value = args[i + 1];
    if (arg === '--args' && value !== undefined) {
      out.push(`--args=${value}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: joinArgsValue(args), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const commaList = (value: string): string[] => (value === '' ? [] : value.split(','));

function envOf(value: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of commaList(value)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env takes NAME=value pairs separated by commas, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function portOf(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--http-port takes a port from 1 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

/** The query of a streaming call: the options given, with --no-stream as `duration=0`. */
function query(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, value);
  return params.size > 0 ? `?${params.toString()}` : '';
}

/**
 * Follows a service's NDJSON events as they come: its output as it is, on its own stream,
 * what happens to it as a line on stderr. Fails (1) on an `error` event, as the service could
 * not start.
 */
async function follow(io: Io, service: string, method: string, path: string, body?: unknown): Promise<number> {
  const response = await send(io.socketPath, {
    method,
    path,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) }),
  });
  const status = response.statusCode ?? 0;
  if (status >= 400) throw new Error(errorMessage((await readAll(response)).toString('utf8'), status));
  // A property, not a `let`: the compiler cannot see the callback's write to a local.
  const seen = { error: false };
  let pending = '';
  const print = (line: string): void => {
    if (line.trim() === '') return;
    const event = JSON.parse(line) as ServiceLogEventJson; // a line of the service stream the server checked
    if (event.type === 'stdout') io.stdout.write(event.data ?? '');
    else if (event.type === 'stderr') io.stderr.write(event.data ?? '');
    else if (event.type === 'exit') io.stderr.write(`${service}: exited with status ${String(event.exit_code ?? '?')}\n`);
    else if (event.type === 'error') {
      seen.error = true;
      io.stderr.write(`${service}: ${event.data ?? 'failed'}\n`);
    } else if (event.type !== 'complete') io.stderr.write(`${service}: ${event.type}\n`);
  };
  for await (const chunk of response) {
    pending += (chunk as Buffer).toString('utf8'); // an IncomingMessage yields Buffers
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(print);
  }
  print(pending);
  return seen.error ? 1 : 0;
}

const print = (io: Io, value: unknown): void => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `sprite-env services …`: the sprite's own services, as Sprites' sprite-env has them. */
export async function services(args: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parse(rest);
  const [service, ...extra] = positionals;
  const path = (suffix = ''): string => `/v1/services/${encodeURIComponent(service ?? '')}${suffix}`;
  const needName = (more = 0): void => {
    if (service === undefined || extra.length !== more) throw new UsageError(`services ${verb ?? ''} takes ${more === 0 ? 'a service name' : 'a service name and a signal'}`);
  };
  const duration = values['no-stream'] === true ? '0' : values.duration;
  switch (verb) {
    case 'list':
      if (positionals.length > 0) throw new UsageError('services list takes no arguments');
      print(io, await callJson(io.socketPath, 'GET', '/v1/services'));
      return 0;
    case 'get':
      needName();
      print(io, await callJson(io.socketPath, 'GET', path()));
      return 0;
    case 'create': {
      needName();
      if (values.cmd === undefined) throw new UsageError('services create needs --cmd <program>');
      const body = {
        cmd: values.cmd,
        ...(values.args === undefined ? {} : { args: commaList(values.args) }),
        ...(values.env === undefined ? {} : { env: envOf(values.env) }),
        ...(values.dir === undefined ? {} : { dir: values.dir }),
        ...(values.needs === undefined ? {} : { needs: commaList(values.needs) }),
        ...(values['http-port'] === undefined ? {} : { http_port: portOf(values['http-port']) }),
        ...(values.user === undefined ? {} : { user: values.user }),
      };
      return follow(io, service ?? '', 'PUT', `${path()}${query({ duration })}`, body);
    }
    case 'start':
    case 'restart':
      needName();
      return follow(io, service ?? '', 'POST', `${path(`/${verb}`)}${query({ duration })}`);
    case 'stop':
      needName();
      return follow(io, service ?? '', 'POST', `${path('/stop')}${query({ timeout: values.timeout })}`);
    case 'logs':
      needName();
      return follow(io, service ?? '', 'GET', `${path('/logs')}${query({ lines: values.lines, duration: values.duration })}`);
    case 'signal':
      needName(1);
      await callJson(io.socketPath, 'POST', '/v1/services/signal', { name: service, signal: extra[0] });
      return 0;
    case 'delete':
      needName();
      await callJson(io.socketPath, 'DELETE', path());
      return 0;
    case undefined:
    default:
      throw new UsageError(`unknown services command ${verb ?? '(none)'}: ${VERBS}`);
  }
}
