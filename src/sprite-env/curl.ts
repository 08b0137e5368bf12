import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { send } from './request.js';

export class UsageError extends Error {}

export interface CurlRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer | undefined;
  include: boolean;
  fail: boolean;
}

const FLAGS: Record<string, 'include' | 'fail' | 'ignored'> = {
  '-i': 'include',
  '--include': 'include',
  '-f': 'fail',
  '--fail': 'fail',
  '-s': 'ignored',
  '--silent': 'ignored',
  '-S': 'ignored',
  '--show-error': 'ignored',
  '-v': 'ignored',
  '--verbose': 'ignored',
  '-L': 'ignored',
  '--location': 'ignored',
};

const WITH_VALUE = ['-X', '--request', '-H', '--header', '-d', '--data', '--data-raw', '--data-binary', '--json'];

/**
 * The curl arguments `sprite-env curl` takes, as curl reads them, the path anywhere among them:
 * `sprite-env curl -X POST /v1/tasks -d '{...}'`. The socket and host are implied.
 */
export function parseCurlArgs(args: readonly string[], readData: (source: string) => Buffer): CurlRequest {
  let method: string | undefined;
  let path: string | undefined;
  const headers: [string, string][] = [];
  const data: Buffer[] = [];
  let json = false;
  let include = false;
  let fail = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const flag = FLAGS[arg];
    if (flag !== undefined) {
      if (flag === 'include') include = true;
      if (flag === 'fail') fail = true;
      continue;
    }
    const attached = /^(-[XHd])(.+)$/.exec(arg);
    const option = attached?.[1] ?? arg;
    if (WITH_VALUE.includes(option)) {
      const value = attached?.[2] ?? args[++i];
      if (value === undefined) throw new UsageError(`${option} needs a value`);
      if (option === '-X' || option === '--request') method = value;
      else if (option === '-H' || option === '--header') headers.push(header(value));
      else {
        data.push(option === '--data-raw' || !value.startsWith('@') ? Buffer.from(value) : readData(value.slice(1)));
        if (option === '--json') json = true;
      }
      continue;
    }
    if (/^-[fisSvL]+$/.test(arg)) {
      include ||= arg.includes('i');
      fail ||= arg.includes('f');
      continue;
    }
    if (arg.startsWith('-')) throw new UsageError(`unsupported curl option ${arg} (supported: -X, -H, -d/--data/--data-raw/--data-binary, --json, -i, -f, -s, -S, -v, -L)`);
    if (path !== undefined) throw new UsageError(`one path only, got ${path} and ${arg}`);
    path = pathOf(arg);
  }
  if (path === undefined) throw new UsageError('a path is required, such as /v1/tasks');
  if (json) {
    if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json']);
    if (!headers.some(([name]) => name.toLowerCase() === 'accept')) headers.push(['Accept', 'application/json']);
  }
  const body = data.length === 0 ? undefined : Buffer.concat(data.flatMap((part, index) => (index === 0 ? [part] : [Buffer.from('&'), part])));
  return { method: method ?? (body === undefined ? 'GET' : 'POST'), path, headers, body, include, fail };
}

/** A path, or a whole `http://sprite/...` URL as the long form in Sprites' docs writes it. */
function pathOf(arg: string): string {
  if (/^https?:\/\//.test(arg)) {
    const url = new URL(arg);
    return `${url.pathname}${url.search}`;
  }
  if (!arg.startsWith('/')) throw new UsageError(`the path must start with /, got ${arg}`);
  return arg;
}

function header(value: string): [string, string] {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new UsageError(`a header is "Name: value", got ${value}`);
  return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
}

/** `@file` or `@-` (stdin), as curl reads them. */
export function readDataFile(source: string): Buffer {
  return readFileSync(source === '-' ? 0 : source);
}

/** Runs the request, writing the answer as curl would; the exit code is curl's (22 for an HTTP error with -f). */
export async function curl(socketPath: string, request: CurlRequest, stdout: Writable): Promise<number> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of request.headers) headers[name] = value;
  const response = await send(socketPath, { method: request.method, path: request.path, headers, ...(request.body === undefined ? {} : { body: request.body }) });
  const status = response.statusCode ?? 0;
  if (request.fail && status >= 400) {
    response.resume();
    return 22;
  }
  if (request.include) {
    const lines = [`HTTP/${response.httpVersion} ${status} ${response.statusMessage ?? ''}`];
    for (let i = 0; i < response.rawHeaders.length; i += 2) lines.push(`${response.rawHeaders[i] ?? ''}: ${response.rawHeaders[i + 1] ?? ''}`);
    stdout.write(`${lines.join('\r\n')}\r\n\r\n`);
  }
  for await (const chunk of response) stdout.write(chunk as Buffer); // an IncomingMessage yields Buffers
  return 0;
}
