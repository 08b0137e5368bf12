import type { Readable } from 'node:stream';
import type { Static } from '@sinclair/typebox';
import type { FastifySchemaValidationError } from 'fastify';
import WebSocket from 'ws';
import { HobError } from '../../shared/errors.js';
import { parseExecQuery, type ExecRequest } from '../../shared/exec-request.js';
import { StreamId, decodeFrame } from '../../shared/frames.js';
import { ExecJsonBody, MAX_EXEC_JSON_OUTPUT_BYTES, ExecJsonResult } from '../../shared/schemas/exec.js';

type ExecJsonAnswer = Static<typeof ExecJsonResult>;
import { requestValidators, schemaError } from './validation.js';

/**
 * The JSON form of HTTP exec, from the Sprites launch page:
 * `curl -X POST .../exec -d '{"command": "echo hello"}'` (so a form Content-Type, and no
 * `cmd` in the query) runs the command to its end and answers `{stdout, stderr, exit_code}`.
 */

const validateBody = requestValidators()(ExecJsonBody, 'body');

/** Whether a POST /exec query leaves the command to a JSON body (the SDK always sends `cmd`). */
export function wantsJsonExec(params: URLSearchParams): boolean {
  return !params.has('cmd') && (params.get('path') ?? '') === '';
}

/** Reads and checks the body; the request goes through the query parser, so both forms share one set of checks. */
export async function parseJsonExec(body: Readable | undefined, maxBytes: number): Promise<ExecRequest> {
  const text = body === undefined ? '' : (await readAll(body, maxBytes)).toString('utf8').trim();
  if (text === '') throw new HobError('bad_request', 'no command: pass it as ?cmd=<argv0>&cmd=<arg1>… or as a JSON body {"command": "echo hello"}');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HobError('bad_request', 'the request body is not valid JSON');
  }
  if (!validateBody(json)) throw schemaError((validateBody.errors ?? []) as FastifySchemaValidationError[], 'body'); // ajv's errors, the shape fastify's formatter takes
  const request = json as Static<typeof ExecJsonBody>; // validated just above
  const params = new URLSearchParams();
  const argv = typeof request.command === 'string' ? ['sh', '-c', request.command] : request.command;
  for (const arg of argv) params.append('cmd', arg);
  for (const [key, value] of Object.entries(request.env ?? {})) params.append('env', `${key}=${value}`);
  if (request.dir !== undefined) params.set('dir', request.dir);
  if (request.user !== undefined) params.set('user', request.user);
  return parseExecQuery(params);
}

async function readAll(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) {
      body.destroy();
      throw new HobError('body_too_large', `a JSON exec body is at most ${maxBytes} bytes; send large input as stdin with ?cmd=…&stdin=true`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** One output stream, kept up to the limit. */
class Kept {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  add(data: Buffer): void {
    const room = MAX_EXEC_JSON_OUTPUT_BYTES - this.size;
    if (data.length > room) this.truncated = true;
    const part = data.length > room ? data.subarray(0, room) : data;
    if (part.length === 0) return;
    this.chunks.push(part);
    this.size += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}

/**
 * Collects a command's output and exit code from the agent. A client that goes away ends the
 * command, as closing an exec connection does; an agent that closes without an exit code is an
 * agent error, never a made-up exit code.
 */
export function collectJsonExec(agent: WebSocket, clientGone: AbortSignal): Promise<ExecJsonAnswer> {
  const stdout = new Kept();
  const stderr = new Kept();
  let exitCode: number | undefined;
  const stop = (): void => agent.close();
  clientGone.addEventListener('abort', stop, { once: true });
  return new Promise((resolve, reject) => {
    agent.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const frame = decodeFrame(data);
      if (frame.stream === StreamId.Stdout) stdout.add(frame.data);
      else if (frame.stream === StreamId.Stderr) stderr.add(frame.data);
      else if (frame.stream === StreamId.Exit) exitCode = frame.code;
    });
    agent.on('error', () => agent.terminate());
    agent.on('close', () => {
      clientGone.removeEventListener('abort', stop);
      // Without its client the command was ended on purpose, and the answer (-1 for the exit code it never had) goes nowhere.
      if (exitCode === undefined && !clientGone.aborted) {
        reject(new HobError('agent_error', 'the command ended without an exit code (the sprite stopped, or its agent did)'));
        return;
      }
      const result: ExecJsonAnswer = { stdout: stdout.text(), stderr: stderr.text(), exit_code: exitCode ?? -1 };
      if (stdout.truncated || stderr.truncated) result.truncated = true;
      resolve(result);
    });
    agent.resume();
  });
}
