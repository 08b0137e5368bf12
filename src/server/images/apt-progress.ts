import type { ProgressFn } from './progress.js';

/**
 * apt-get run with `-o APT::Status-Fd=1` prints machine-readable status lines
 * (`dlstatus:<n>:<percent>:<text>` while downloading, `pmstatus:<pkg>:<percent>:<text>`
 * while dpkg works). Each phase reports its own 0–100 percent, which maps onto done/total.
 */
export function aptStatusParser(progress: ProgressFn): (line: string) => void {
  let lastKey = '';
  return (line) => {
    const match = /^(dlstatus|pmstatus|pmerror):([^:]*):([0-9.]+):(.*)$/.exec(line.trimEnd());
    if (match === null) return;
    const [, kind = '', , percentText = '', text = ''] = match;
    if (kind === 'pmerror') {
      progress({ message: `E: ${text}` });
      return;
    }
    const done = Math.floor(Number(percentText));
    const phase = kind === 'dlstatus' ? 'Downloading' : 'Installing';
    // apt repeats the same percent for many lines; only changes are worth an event.
    const key = `${phase}:${done}:${text}`;
    if (key === lastKey) return;
    lastKey = key;
    progress({ message: `${phase}: ${text}`, done, total: 100 });
  };
}
