import { parseDurationMs } from './duration.js';

/**
 * A span of time in milliseconds: a Go duration ("90m", "1h30m", a bare number of seconds)
 * optionally led by weeks and days ("7d", "1w", "1d12h"), as `--since` and retention take it.
 * Undefined if it is not one.
 */
export function parseSpanMs(text: string): number | undefined {
  const match = /^(?:(\d+)w)?(?:(\d+)d)?(.*)$/.exec(text.trim());
  if (match === null) return undefined;
  const [, weeks, days, rest = ''] = match;
  if (weeks === undefined && days === undefined) return parseDurationMs(rest);
  const lead = (Number(weeks ?? 0) * 7 + Number(days ?? 0)) * 86_400_000;
  if (rest === '') return lead;
  const tail = parseDurationMs(rest);
  return tail === undefined || /^\d+$/.test(rest) ? undefined : lead + tail;
}
