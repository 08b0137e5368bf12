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
