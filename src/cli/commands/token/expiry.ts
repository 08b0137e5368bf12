import { parseDurationMs } from '../../../shared/duration.js';

const DAY_MS = 24 * 3_600_000;

/** `--expires` in seconds: a Go duration (`12h`, `90m`) or whole days (`7d`); undefined if it is neither. */
export function parseExpirySeconds(text: string): number | undefined {
  const days = /^(\d{1,5})d$/.exec(text);
  const ms = days?.[1] !== undefined ? Number(days[1]) * DAY_MS : parseDurationMs(text);
  if (ms === undefined || ms < 1000) return undefined;
  return Math.round(ms / 1000);
}
