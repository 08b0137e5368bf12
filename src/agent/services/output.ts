import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ServiceLogEventJson } from '../../shared/protocol.js';
import { errorText, type Log } from '../log.js';
import { RotatingFile } from './rotating-file.js';

/** Each log file is cut at this size, one older copy kept: a service's logs hold at most 3 × 2 × this on disk. */
export const MAX_LOG_FILE_BYTES = 8 * 1024 * 1024;
/** Output kept in memory for `logs?lines=`: enough for MAX_SERVICE_LOG_LINES short lines, bounded for long ones. */
const RECENT_OUTPUT_BYTES = 512 * 1024;

export type OutputStream = 'stdout' | 'stderr';
export type ServiceEvent = ServiceLogEventJson;
export type ServiceEventListener = (event: ServiceEvent) => void;

interface Chunk {
  stream: OutputStream;
  data: Buffer;
  timestampMs: number;
}

/**
 * Where a service's output goes: its combined log and one log per stream, each rotated by size;
 * a bounded window of recent output for `logs?lines=`; and whoever follows it live. Lifecycle
 * events (started, exit, …) go to the followers too. Nothing here runs unless output arrives or
 * someone asks: an idle service costs no wake-ups.
 */
export class ServiceOutput {
  readonly files: Readonly<Record<'combined' | OutputStream, RotatingFile>>;
  /** Oldest first, from `recentHead` on: an index instead of shift() keeps a flood of tiny chunks linear. */
  private recent: Chunk[] = [];
  private recentHead = 0;
  private recentBytes = 0;
  private readonly listeners = new Set<ServiceEventListener>();
  private readonly decoders: Record<OutputStream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(dir: string, name: string, log: Log) {
    const file = (suffix: string): RotatingFile =>
      new RotatingFile(join(dir, `${name}${suffix}`), MAX_LOG_FILE_BYTES, (error) => log('service_log_write_failed', { name, file: `${name}${suffix}`, error: errorText(error) }));
    this.files = { combined: file('.log'), stdout: file('.stdout.log'), stderr: file('.stderr.log') };
  }

  get logFiles(): Record<'combined' | OutputStream, string> {
    return { combined: this.files.combined.path, stdout: this.files.stdout.path, stderr: this.files.stderr.path };
  }

  write(stream: OutputStream, data: Buffer): void {
    if (data.length === 0) return;
    this.files.combined.write(data);
    this.files[stream].write(data);
    const timestampMs = Date.now();
    // A small read may sit in a much larger allocation; kept as it is, the window would hold far more than it counts.
    this.remember({ stream, data: data.buffer.byteLength > data.length * 2 ? Buffer.from(data) : data, timestampMs });
    if (this.listeners.size > 0) this.emit({ type: stream, data: this.decoders[stream].write(data), timestamp: timestampMs });
  }

  /** A lifecycle event, or output, to every follower. */
  emit(event: ServiceEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: ServiceEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last `count` lines of output, each as the event of its stream (a line cut by a newer write of the other stream stays whole). */
  tail(count: number): ServiceEvent[] {
    if (count === 0) return [];
    const lines: ServiceEvent[] = [];
    const pending: Record<OutputStream, { parts: Buffer[]; timestampMs: number }> = { stdout: { parts: [], timestampMs: 0 }, stderr: { parts: [], timestampMs: 0 } };
    const flush = (stream: OutputStream, end: Buffer | undefined): void => {
      const open = pending[stream];
      const line = Buffer.concat(end === undefined ? open.parts : [...open.parts, end]);
      if (line.length > 0) lines.push({ type: stream, data: line.toString('utf8'), timestamp: open.timestampMs });
      open.parts = [];
    };
    for (const { stream, data, timestampMs } of this.recent.slice(this.recentHead)) {
      let start = 0;
      for (let newline = data.indexOf(10, start); newline !== -1; newline = data.indexOf(10, start)) {
        if (pending[stream].parts.length === 0) pending[stream].timestampMs = timestampMs;
        flush(stream, data.subarray(start, newline + 1));
        start = newline + 1;
        // Only the newest lines are kept; cutting early keeps a flood of short lines cheap.
        if (lines.length > count * 2) lines.splice(0, lines.length - count);
      }
      if (start < data.length) {
        if (pending[stream].parts.length === 0) pending[stream].timestampMs = timestampMs;
        pending[stream].parts.push(data.subarray(start));
      }
    }
    flush('stdout', undefined);
    flush('stderr', undefined);
    return lines.slice(-count);
  }

  close(): void {
    for (const file of Object.values(this.files)) file.close();
    this.listeners.clear();
  }

  private remember(chunk: Chunk): void {
    this.recent.push(chunk);
    this.recentBytes += chunk.data.length;
    while (this.recentBytes > RECENT_OUTPUT_BYTES && this.recentHead < this.recent.length - 1) {
      this.recentBytes -= this.recent[this.recentHead]?.data.length ?? 0;
      this.recentHead++;
    }
    if (this.recentHead > 1024) {
      this.recent = this.recent.slice(this.recentHead);
      this.recentHead = 0;
    }
  }
}
