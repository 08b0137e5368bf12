import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { statusOf } from '../api/sprite-json.js';
import type { SpriteMeterSnapshot } from './sampler.js';

/** Wakes take milliseconds (warm) to a second or two (cold). */
const WAKE_BUCKETS_SEC = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** An exec round trip is ~10 ms for `true` and as long as the command for anything else. */
const EXEC_BUCKETS_SEC = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200];
const API_BUCKETS_SEC = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type ExecTransport = 'websocket' | 'http';

/** What the exec routes time. */
export interface ExecMetrics {
  execStarted(transport: ExecTransport): () => void;
}

/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one, so
 * two servers in one process never share series). Per-sprite series carry only the sprite's
 * name, and each sprite has one of each: cardinality grows with sprites, not with requests.
 * The API's histogram is labelled by route template, never by path.
 */
export class ServerMetrics implements ExecMetrics {
  readonly registry = new Registry();
  readonly apiDuration: Histogram<'method' | 'route' | 'status'>;
  readonly execDuration: Histogram<'transport'>;
  readonly wakeDuration: Histogram<'from'>;

  constructor(options: { sprites: () => SpriteMeterSnapshot[]; processMetrics: boolean }) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.apiDuration = new Histogram({
      name: 'hob_api_request_duration_seconds',
      help: 'API requests from arrival to the last byte of the answer, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: API_BUCKETS_SEC,
      registers,
    });
    this.execDuration = new Histogram({
      name: 'hob_exec_round_trip_seconds',
      help: 'Exec from the request to the end of its stream (the command exited or the client left), including any wake',
      labelNames: ['transport'],
      buckets: EXEC_BUCKETS_SEC,
      registers,
    });
    this.wakeDuration = new Histogram({
      name: 'hob_wake_duration_seconds',
      help: 'Waking a sprite: thawing a warm one or booting a cold one',
      labelNames: ['from'],
      buckets: WAKE_BUCKETS_SEC,
      registers,
    });
    const sprites = options.sprites;
    new Counter({
      name: 'hob_sprite_cpu_seconds_total',
      help: 'CPU time a sprite used, metered since this server started',
      labelNames: ['sprite'],
      registers,
      collect() {
        this.reset();
        for (const s of sprites()) this.inc({ sprite: s.name }, s.cpuSecondsTotal);
      },
    });
    new Gauge({
      name: 'hob_sprite_memory_bytes',
      help: 'Memory a sprite holds (working set) at the last sample; a warm sprite keeps its memory, a cold one has none',
      labelNames: ['sprite'],
      registers,
      collect() {
        this.reset();
        for (const s of sprites()) this.set({ sprite: s.name }, s.memoryBytes);
      },
    });
    new Gauge({
      name: 'hob_sprite_hot_storage_bytes',
      help: "Bytes of a sprite's files and checkpoints in the local pool",
      labelNames: ['sprite'],
      registers,
      collect() {
        this.reset();
        for (const s of sprites()) this.set({ sprite: s.name }, s.hotStorageBytes);
      },
    });
    new Gauge({
      name: 'hob_sprite_status',
      help: "1 for a sprite's current status (running, warm or cold); one series per sprite",
      labelNames: ['sprite', 'status'],
      registers,
      collect() {
        this.reset();
        for (const s of sprites()) this.set({ sprite: s.name, status: statusOf(s.state) }, 1);
      },
    });
    new Gauge({
      name: 'hob_sprites',
      help: 'Sprites by status',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        const counts = { running: 0, warm: 0, cold: 0 };
        for (const s of sprites()) counts[statusOf(s.state)]++;
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
  }

  execStarted(transport: ExecTransport): () => void {
    const end = this.execDuration.startTimer({ transport });
    return () => void end();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
