import type { FastifyReply } from 'fastify';
import type { SpriteRecord } from '../store/sprites.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { statusOf } from './sprite-json.js';

/** A line at least this often, so clients (the SDK's own watchdogs, proxies) see the stream is alive. */
const HEARTBEAT_MS = 15_000;

export interface WatchOptions {
  prefix: string;
  maxResults: number;
  organization: string;
  /** Which sprites the caller's token may see; all, if absent. */
  visible?: (record: SpriteRecord) => boolean;
}

/**
 * `watchSprites`: GET /v1/sprites with `Accept: application/x-ndjson`. One line per sprite
 * (up to `maxResults`, by name) as it is now, then one line each time a sprite whose name
 * starts with `prefix` changes state, and a heartbeat line when nothing happens; each line
 * carries the organization's counts. Ends when the client goes away.
 */
export function streamSpriteStates(reply: FastifyReply, registry: SpriteRegistry, options: WatchOptions): void {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  const write = (line: object): void => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(`${JSON.stringify({ ...line, timestamp: new Date().toISOString(), org: org(registry, options.organization) })}\n`);
  };
  const visible = options.visible ?? (() => true);
  for (const record of registry.store.page(options.prefix, undefined, options.maxResults).sprites) if (visible(record)) write(stateLine(record));
  const unsubscribe = registry.onChange((name) => {
    if (!name.startsWith(options.prefix)) return;
    const record = registry.store.getByName(name);
    if (record !== undefined && visible(record)) write(stateLine(record));
  });
  const heartbeat = setInterval(() => write({ type: 'heartbeat' }), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  raw.once('close', stop);
  raw.socket?.once('close', stop);
}

function stateLine(record: SpriteRecord): object {
  return { type: 'state', name: record.name, status: statusOf(record.state), last_running_at: record.lastRunningAt, last_warming_at: record.lastWarmingAt };
}

function org(registry: SpriteRegistry, name: string): object {
  const counts = registry.counts();
  return { name, running: counts.running, warm: counts.warm, cold: counts.cold };
}
