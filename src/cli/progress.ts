import type cliProgress from 'cli-progress';
import type { ProgressEvent } from '../shared/protocol.js';

/**
 * Shows an NDJSON progress stream: a bar while counts are known (on a terminal), plain lines
 * otherwise, so logs of non-interactive runs stay readable. The bar library is loaded only for
 * a terminal, so scripts never pay for it.
 */
export async function progressPrinter(stream: NodeJS.WriteStream): Promise<{ onEvent: (event: ProgressEvent) => void; stop: () => void }> {
  const bars = stream.isTTY ? (await import('cli-progress')).default : undefined;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = '';
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const onEvent = (event: ProgressEvent): void => {
    if (event.type === 'progress' && bars !== undefined) {
      if (bar === undefined) {
        bar = new bars.SingleBar(
          { stream, format: '{bar} {percentage}% | {value}/{total} | {message}', hideCursor: true, clearOnComplete: true },
          bars.Presets.shades_classic,
        );
        bar.start(event.total, event.done, { message: event.data });
      }
      bar.setTotal(event.total);
      bar.update(event.done, { message: event.data.slice(0, 50) });
      return;
    }
    stop();
    // An error ends the stream; the command reports it once, as it reports every error.
    if (event.type === 'error') return;
    if (event.data !== lastLine) stream.write(`${event.data}\n`);
    lastLine = event.data;
  };
  return { onEvent, stop };
}
