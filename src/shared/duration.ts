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
