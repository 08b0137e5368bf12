import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { FastifyReply } from 'fastify';
import { normalizeSignal } from '../../shared/control-messages.js';
import { parseDurationMs } from '../../shared/duration.js';
import { HobError } from '../../shared/errors.js';
import type { ServiceRequestJson } from '../../shared/protocol.js';
import { matches } from '../../shared/schemas/check.js';
import { ServiceLogEvent } from '../../shared/schemas/services.js';
import { DEFAULT_SERVICE_STOP_TIMEOUT_MS, DEFAULT_SERVICE_WATCH_MS, MAX_SERVICE_STOP_TIMEOUT_MS, MAX_SERVICE_WATCH_MS, SERVICE_ENV_NAME_PATTERN } from '../../shared/services.js';
import { agentServices, type ServiceStreamRequest } from '../agent-link/services.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';

/**
 * What the public services routes and the in-sprite socket's share: the checks of what a
 * request carries, and the relay of the agent's NDJSON events, each checked, to the client.
 */

/** An agent's event line is an output chunk (64 KiB) JSON-escaped at worst; anything longer is not an event. */
const MAX_EVENT_LINE_BYTES = 1024 * 1024;
/** A client reading slower than the service writes: the agent's stream is paused, and the agent drops output meanwhile. */
const CLIENT_HIGH_WATER_BYTES = 1024 * 1024;

const ENV_NAME = new RegExp(SERVICE_ENV_NAME_PATTERN);

function durationMs(text: string | undefined, field: string, fallbackMs: number, maxMs: number, maxText: string): number {
  if (text === undefined || text === '') return fallbackMs;
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new HobError('bad_request', `${field} must be a duration such as 5s, 1m30s or 0, got ${JSON.stringify(text.slice(0, 32))}`);
  if (ms > maxMs) throw new HobError('bad_request', `${field} is at most ${maxText}, got ${text}`);
  return Math.round(ms);
}

/** `duration` of create, start, restart and logs: how long to follow the service's output. */
export function watchMsOf(duration: string | undefined, fallbackMs = DEFAULT_SERVICE_WATCH_MS): number {
  return durationMs(duration, 'duration', fallbackMs, MAX_SERVICE_WATCH_MS, '24h');
}

/** `timeout` of stop: how long SIGTERM has before SIGKILL. */
export function stopTimeoutMsOf(timeout: string | undefined): number {
  return durationMs(timeout, 'timeout', DEFAULT_SERVICE_STOP_TIMEOUT_MS, MAX_SERVICE_STOP_TIMEOUT_MS, '5m');
}

/** What the schema cannot say about a definition: variable names. */
export function checkServiceRequest(body: ServiceRequestJson): ServiceRequestJson {
  for (const key of Object.keys(body.env ?? {})) {
    if (!ENV_NAME.test(key)) throw new HobError('bad_request', `invalid environment variable name ${JSON.stringify(key.slice(0, 80))}: names are [A-Za-z_][A-Za-z0-9_]*`);
  }
  return body;
}

/** The signal as the agent takes it; an unknown one is the SDK's `400 Invalid signal`. */
export function checkSignal(signal: string): NodeJS.Signals {
  const known = normalizeSignal(signal);
  if (known === undefined) throw new HobError('bad_request', `${JSON.stringify(signal)} is not a signal; give a name such as HUP or TERM, or a number`);
  return known;
}

/**
 * Runs a streaming operation on a sprite's service (waking the sprite) and relays its events to
 * the client as NDJSON, each line checked against the contract. A refusal before the stream
 * begins is thrown, to be answered with its status; afterwards the client going away ends only
 * the relay, and the sprite stays held awake while the stream runs.
 */
export async function relayServiceStream(reply: FastifyReply, lifecycle: Pick<SpriteLifecycle, 'withAgent'>, sprite: string, request: ServiceStreamRequest): Promise<void> {
  await lifecycle.withAgent(sprite, async (link) => {
    const upstream = await agentServices.open(link, request);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    await relayLines(upstream, raw);
  });
}

function relayLines(upstream: NodeJS.ReadableStream & { destroy(): void }, raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const finish = (): void => {
      upstream.destroy();
      if (!raw.writableEnded) raw.end();
      resolve();
    };
    const relay = (line: string): void => {
      if (line.trim() === '') return;
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      // Re-serialised from the checked value: only the contract's fields leave the server.
      if (matches(ServiceLogEvent, event) && !raw.destroyed) raw.write(`${JSON.stringify(event)}\n`);
    };
    upstream.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(relay);
      if (Buffer.byteLength(pending) > MAX_EVENT_LINE_BYTES) finish();
      else if (raw.writableLength > CLIENT_HIGH_WATER_BYTES) {
        upstream.pause();
        raw.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', () => {
      relay(pending + decoder.end());
      finish();
    });
    upstream.on('error', finish);
    raw.on('close', finish);
  });
}
