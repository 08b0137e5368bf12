import { parseDurationMs } from '../../shared/duration.js';
import { HobError } from '../../shared/errors.js';

/** The longest hold one task may have; a longer one is refreshed (PUT) before it runs out. */
export const MAX_TASK_EXPIRE_MS = 60 * 60 * 1000;
/** What a task holds for when its request names no `expire`: the longest allowed. */
export const DEFAULT_TASK_EXPIRE_MS = MAX_TASK_EXPIRE_MS;

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
