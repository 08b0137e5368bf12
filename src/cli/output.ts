import { HobError } from '../shared/errors.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

/**
 * How the CLI ends on an error, returning its exit status: a HobError is one line saying what
 * to do (the server's own failures add where to look); anything else is a bug in the CLI and
 * prints its stack.
 */
export function reportError(error: unknown): number {
  if (error instanceof HobError) {
    const hint = error.code === 'internal' ? ' (a bug in Hob: the server log has the details; please report it)' : '';
    process.stderr.write(`error: ${error.message}${hint}\n`);
    return exitCodeFor(error.code);
  }
  process.stderr.write(`hob: unexpected error (please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.bug;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain left-aligned table for list commands. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

/** Bytes for people: 512 B, 1.5 KiB, 20 MiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit] ?? 'B'}`;
}

/** How long ago an RFC 3339 time was, for people: 5s ago, 3m ago, 2h ago, 4d ago. */
export function ago(at: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
