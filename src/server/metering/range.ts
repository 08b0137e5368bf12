import { HobError } from '../../shared/errors.js';
import { parseSpanMs } from '../../shared/span.js';

/** A range of whole steps, in unix seconds. */
export interface UsageRange {
  fromSec: number;
  toSec: number;
  stepSec: number;
}

export const MAX_POINTS = 5000;
export const DEFAULT_SPAN_SEC = 86_400;
/** Steps the default picks from: the finest that gives at most this many points. */
const AUTO_STEPS_SEC = [60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400];
const WEEK_SEC = 604_800;
const AUTO_MAX_POINTS = 120;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function timeSec(name: string, text: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : DATE.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms)) throw new HobError('bad_request', `${name} must be an RFC 3339 time such as 2026-01-02T03:04:05Z, or a UTC date such as 2026-01-02; got ${JSON.stringify(text)}`);
  if (ms < 0) throw new HobError('bad_request', `${name} must be after 1970`);
  return ms / 1000;
}

function stepSec(text: string): number {
  const ms = parseSpanMs(text);
  if (ms === undefined || ms <= 0) throw new HobError('bad_request', `step must be a duration such as 1m, 15m, 1h or 1d (or seconds); got ${JSON.stringify(text)}`);
  if (ms % 60_000 !== 0) throw new HobError('bad_request', `step must be a whole number of minutes (usage is kept by the minute); got ${text}`);
  return ms / 1000;
}

/**
 * The range a usage query asks for, checked: `to` defaults to now and `from` to a day before
 * it; both are widened to whole steps (aligned to the epoch, so a 1d step is a UTC day). A
 * range that is empty, backwards or too finely cut is refused with what to ask instead.
 */
export function usageRange(query: { from?: string; to?: string; step?: string }, nowMs: number): UsageRange {
  const to = query.to === undefined ? nowMs / 1000 : timeSec('to', query.to);
  const from = query.from === undefined ? to - DEFAULT_SPAN_SEC : timeSec('from', query.from);
  if (from >= to) throw new HobError('bad_request', `from (${new Date(from * 1000).toISOString()}) must be before to (${new Date(to * 1000).toISOString()})`);
  const step = query.step === undefined ? (AUTO_STEPS_SEC.find((s) => (to - from) / s <= AUTO_MAX_POINTS) ?? WEEK_SEC) : stepSec(query.step);
  const fromSec = Math.floor(from / step) * step;
  const toSec = Math.ceil(to / step) * step;
  const points = (toSec - fromSec) / step;
  if (points > MAX_POINTS) throw new HobError('bad_request', `that range in steps of ${step} s is ${points} points, more than ${MAX_POINTS}: ask for a larger step or a shorter range`);
  return { fromSec, toSec, stepSec: step };
}
