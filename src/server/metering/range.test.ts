import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import { parseSpanMs } from '../../shared/span.js';
import { MAX_POINTS, usageRange } from './range.js';

const NOW = Date.UTC(2026, 4, 20, 13, 47, 12);
const refused = (pattern: RegExp) => (error: unknown) => error instanceof HobError && error.code === 'bad_request' && pattern.test(error.message);

test('by default: the last 24 hours in 15-minute steps, widened to whole steps', () => {
  const range = usageRange({}, NOW);
  assert.equal(range.stepSec, 900);
  assert.equal(range.toSec, Date.UTC(2026, 4, 20, 14, 0) / 1000);
  assert.equal(range.fromSec, Date.UTC(2026, 4, 19, 13, 45) / 1000);
});

test('the default step is the finest that gives at most 120 points', () => {
  assert.equal(usageRange({ from: '2026-05-20T12:00:00Z', to: '2026-05-20T13:00:00Z' }, NOW).stepSec, 60);
  assert.equal(usageRange({ from: '2026-05-13', to: '2026-05-20' }, NOW).stepSec, 3 * 3600);
  assert.equal(usageRange({ from: '2025-05-20', to: '2026-05-20' }, NOW).stepSec, 7 * 86_400);
});

test('days are UTC days, and offsets are understood', () => {
  const range = usageRange({ from: '2026-05-01', to: '2026-05-03T02:00:00+02:00', step: '1d' }, NOW);
  assert.equal(range.fromSec, Date.UTC(2026, 4, 1) / 1000);
  assert.equal(range.toSec, Date.UTC(2026, 4, 3) / 1000);
});

test('steps are durations of whole minutes', () => {
  assert.equal(usageRange({ step: '1h30m' }, NOW).stepSec, 5400);
  assert.equal(usageRange({ step: '120' }, NOW).stepSec, 120);
  assert.throws(() => usageRange({ step: '90s' }, NOW), refused(/whole number of minutes/));
  assert.throws(() => usageRange({ step: '0' }, NOW), refused(/step must be a duration/));
  assert.throws(() => usageRange({ step: 'soon' }, NOW), refused(/step must be a duration/));
});

test('bad or backwards ranges, and too many points, are refused with what to do', () => {
  assert.throws(() => usageRange({ from: 'yesterday' }, NOW), refused(/from must be an RFC 3339 time/));
  assert.throws(() => usageRange({ to: '2026-13-45T00:00:00Z' }, NOW), refused(/to must be an RFC 3339 time/));
  assert.throws(() => usageRange({ from: '2026-05-20', to: '2026-05-19' }, NOW), refused(/must be before to/));
  assert.throws(() => usageRange({ from: '2026-05-20', to: '2026-05-20' }, NOW), refused(/must be before to/));
  assert.throws(() => usageRange({ from: '2020-01-01', step: '1m' }, NOW), refused(new RegExp(`more than ${MAX_POINTS}: ask for a larger step`)));
});

test('spans take days and weeks before a Go duration', () => {
  assert.equal(parseSpanMs('7d'), 7 * 86_400_000);
  assert.equal(parseSpanMs('1w1d12h'), 8.5 * 86_400_000);
  assert.equal(parseSpanMs('24h'), 86_400_000);
  assert.equal(parseSpanMs('90'), 90_000);
  assert.equal(parseSpanMs('1d5'), undefined);
  assert.equal(parseSpanMs('d'), undefined);
  assert.equal(parseSpanMs(''), undefined);
});
