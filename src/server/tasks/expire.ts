import { HobError } from '../../shared/errors.js';

/** The longest hold one task may have; a longer one is refreshed (PUT) before it runs out. */
export const MAX_TASK_EXPIRE_MS = 60 * 60 * 1000;
/** What a task holds for when its request names no `expire`: the longest allowed. */
export const DEFAULT_TASK_EXPIRE_MS = MAX_TASK_EXPIRE_MS;

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** One `<number><unit>` term of a Go duration, as Sprites' own server (in Go) parses `expire`. */
const TERM = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
const MAX_DURATION_LENGTH = 32;

/**
 * A Go duration string ("30m", "1h", "1m30s", "1.5h") in milliseconds, or undefined if it is
 * not one. A bare number counts as seconds, as the integer form of `expire` does.
 */
export function parseDurationMs(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_DURATION_LENGTH) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let rest = text;
  let total = 0;
  while (rest.length > 0) {
    const term = TERM.exec(rest);
    if (term === null) return undefined;
    const [whole, amount = '', unit = ''] = term;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    rest = rest.slice(whole.length);
  }
  return Number.isFinite(total) ? total : undefined;
}

/** A task's `expire` (integer seconds or a duration string; absent: the maximum) in whole milliseconds, checked. */
export function taskExpireMs(expire: number | string | undefined): number {
  if (expire === undefined) return DEFAULT_TASK_EXPIRE_MS;
  const ms = typeof expire === 'number' ? expire * 1000 : parseDurationMs(expire);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new HobError('bad_request', `expire ${JSON.stringify(expire)} is neither a number of seconds nor a duration such as "30m" or "1h"`);
  }
  const rounded = Math.ceil(ms);
  if (rounded <= 0) throw new HobError('bad_request', 'expire must be more than zero');
  if (rounded > MAX_TASK_EXPIRE_MS) throw new HobError('bad_request', `expire may be at most 1h (3600 seconds); refresh the task with PUT to hold longer`);
  return rounded;
}
