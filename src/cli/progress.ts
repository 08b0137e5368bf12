import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../shared/protocol.js';

/**
 * Shows an NDJSON progress stream: a bar while counts are known (on a terminal), plain lines
 * otherwise, so logs of non-interactive runs stay readable.
 */
export function progressPrinter(stream: NodeJS.WriteStream): { onEvent: (event: ProgressEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = '';
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const onEvent = (event: ProgressEvent): void => {
    if (event.type === 'progress' && stream.isTTY) {
      if (bar === undefined) {
        bar = new cliProgress.SingleBar(
          { stream, format: '{bar} {percentage}% | {value}/{total} | {message}', hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
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
