import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { HobError } from '../../shared/errors.js';
import { parseExecQuery } from '../../shared/exec-request.js';
import { StreamId, decodeFrame, encodeExitFrame, encodeFrame } from '../../shared/frames.js';
import { routes } from '../../shared/schemas/routes.js';
import type { ExecMetrics } from '../metering/metrics.js';
import { execForSprite } from '../sprites/exec-defaults.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { acceptRawBodies } from './body.js';
import { clientGoneSignal } from './client-gone.js';
import { routeOptions } from './contract.js';
import { collectJsonExec, parseJsonExec, wantsJsonExec } from './exec-json.js';

/** The SDK reads each chunk of the body as one frame, so frames must be small, flushed and spaced. */
const MAX_FRAME_PAYLOAD = 16 * 1024 - 1;
const FRAME_GAP_MS = 6;
/** Losing the exit frame to a merge fails the whole call, so it gets a longer pause. */
const EXIT_FRAME_GAP_MS = 30;
const MAX_QUEUED_BYTES = 1024 * 1024;

interface NameParams {
  name: string;
}

/**
 * HTTP exec: one POST, stdin in the body, and a chunked body of frames back — 0x01 stdout,
 * 0x02 stderr, then exactly [0x03, code]. Frames carry no length, so each is written on its own
 * and followed by a short pause; that is the protocol's limit, and why WebSocket exec is preferred.
 * Without `cmd` in the query the body is a JSON command instead, answered as JSON (exec-json.ts).
 */
export function registerHttpExecRoute(
  app: FastifyInstance,
  deps: { registry: SpriteRegistry; lifecycle: SpriteLifecycle; metrics: ExecMetrics; maxExecBodyBytes: number; maxJsonBodyBytes: number },
): void {
  void app.register((raw, _options, done) => {
    acceptRawBodies(raw);
    raw.post<{ Params: NameParams }>(
      routes.execHttp.path,
      { ...routeOptions(routes.execHttp), bodyLimit: deps.maxExecBodyBytes },
      async (request, reply) => {
        const params = new URL(request.url, 'http://hob').searchParams;
        const body = request.body as Readable | undefined; // the raw parser passes the request stream
        const timed = deps.metrics.execStarted('http');
        if (wantsJsonExec(params)) {
          const exec = execForSprite(deps.registry.get(request.params.name), await parseJsonExec(body, deps.maxJsonBodyBytes));
          const gone = clientGoneSignal(reply);
          const agent = await deps.lifecycle.withAgent(request.params.name, (link) => link.openExecSocket(exec));
          const result = await collectJsonExec(agent, gone);
          timed();
          return result;
        }
        const query = parseExecQuery(params);
        if (query.tty) throw new HobError('bad_request', 'HTTP exec cannot run a TTY; use the WebSocket exec');
        const exec = execForSprite(deps.registry.get(request.params.name), { ...query, stdin: body !== undefined && params.get('stdin') === 'true' });
        const agent = await deps.lifecycle.withAgent(request.params.name, (link) => link.openExecSocket(exec));
        deps.lifecycle.holdWhileOpen(request.params.name, reply.raw);
        reply.raw.once('close', timed);
        streamFrames(reply, agent);
        if (exec.stdin && body !== undefined) pumpStdin(body, agent);
      },
    );
    done();
  });
}

function pumpStdin(body: Readable, agent: WebSocket): void {
  body.on('data', (chunk: Buffer) => {
    if (agent.readyState === WebSocket.OPEN) agent.send(encodeFrame(StreamId.Stdin, chunk));
  });
  body.on('end', () => {
    if (agent.readyState === WebSocket.OPEN) agent.send(encodeFrame(StreamId.StdinEof));
  });
}

interface QueuedOutput {
  stream: typeof StreamId.Stdout | typeof StreamId.Stderr;
  data: Buffer;
}

/**
 * Takes the next frame off the queue: consecutive output of one stream is merged up to the
 * frame limit (fewer frames, fewer pauses), and output over the limit is split.
 */
function coalesce(queue: QueuedOutput[]): Buffer {
  const first = queue[0] as QueuedOutput; // the caller checks the queue is not empty
  const parts: Buffer[] = [];
  let size = 0;
  while (queue.length > 0 && queue[0]?.stream === first.stream && size < MAX_FRAME_PAYLOAD) {
    const next = queue[0];
    const room = MAX_FRAME_PAYLOAD - size;
    if (next.data.length <= room) {
      parts.push(next.data);
      size += next.data.length;
      queue.shift();
    } else {
      parts.push(next.data.subarray(0, room));
      next.data = next.data.subarray(room);
      size += room;
    }
  }
  return encodeFrame(first.stream, Buffer.concat(parts, size));
}

function streamFrames(reply: FastifyReply, agent: WebSocket): void {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' });
  const queue: QueuedOutput[] = [];
  let queuedBytes = 0;
  let exitFrame: Buffer | undefined;
  let agentDone = false;
  let pumping = false;

  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    while (queue.length > 0 && !raw.destroyed) {
      const frame = coalesce(queue);
      queuedBytes -= frame.length - 1;
      raw.write(frame);
      if (queuedBytes < MAX_QUEUED_BYTES / 2 && agent.isPaused) agent.resume();
      await sleep(FRAME_GAP_MS);
    }
    pumping = false;
    if (agentDone && !raw.destroyed) {
      if (exitFrame !== undefined) {
        await sleep(EXIT_FRAME_GAP_MS - FRAME_GAP_MS);
        raw.write(exitFrame);
      }
      raw.end();
    }
  };

  agent.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const frame = decodeFrame(data);
    if (frame.stream === StreamId.Stdout || frame.stream === StreamId.Stderr) {
      queue.push({ stream: frame.stream, data: frame.data });
      queuedBytes += frame.data.length;
      if (queuedBytes > MAX_QUEUED_BYTES) agent.pause();
      void pump();
    } else if (frame.stream === StreamId.Exit) {
      exitFrame = encodeExitFrame(frame.code);
    }
  });
  // Without an exit frame the body simply ends; the SDK reports that as a lost command, which is the truth.
  agent.on('close', () => {
    agentDone = true;
    void pump();
  });
  agent.on('error', () => agent.terminate());
  raw.on('close', () => {
    if (agent.readyState === WebSocket.OPEN || agent.readyState === WebSocket.CONNECTING) agent.close();
  });
  agent.resume();
}
