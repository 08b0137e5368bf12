import { Transform } from 'node:stream';
import { formatBytes } from './output.js';

/** Transfers smaller than this finish before a bar would be worth drawing. */
export const MIN_BAR_BYTES = 4 * 1024 * 1024;

export interface TransferProgress {
  /** Counts the bytes that pass through it. */
  readonly counter: Transform;
  stop(): void;
}

/**
 * A byte counter for a copy, drawn as a bar with rate on a terminal when the transfer is
 * large and its size known; nothing otherwise, so scripts and logs get no control codes.
 * The bar library is loaded only when a bar is drawn.
 */
export async function transferProgress(stream: NodeJS.WriteStream, label: string, totalBytes: number | undefined): Promise<TransferProgress> {
  const draw = stream.isTTY && totalBytes !== undefined && totalBytes >= MIN_BAR_BYTES ? await startBar(stream, label, totalBytes) : undefined;
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      draw?.update(done);
      callback(null, chunk);
    },
  });
  return { counter, stop: () => draw?.stop() };
}

async function startBar(stream: NodeJS.WriteStream, label: string, totalBytes: number): Promise<{ update: (done: number) => void; stop: () => void }> {
  const bars = (await import('cli-progress')).default;
  const startedAt = performance.now();
  const bar = new bars.SingleBar(
    { stream, format: `${label} {bar} {percentage}% | {done} / {size} | {rate}/s`, hideCursor: true, clearOnComplete: true, fps: 5 },
    bars.Presets.shades_classic,
  );
  bar.start(totalBytes, 0, { done: formatBytes(0), size: formatBytes(totalBytes), rate: formatBytes(0) });
  return {
    // An archive carries headers besides its files' bytes: the bar stops at its end.
    update: (done) => {
      const seconds = Math.max((performance.now() - startedAt) / 1000, 0.001);
      bar.update(Math.min(done, totalBytes), { done: formatBytes(Math.min(done, totalBytes)), rate: formatBytes(done / seconds) });
    },
    stop: () => bar.stop(),
  };
}
