import { HobError } from '../shared/errors.js';

/**
 * How the CLI ends on an error: a user error (bad input, unknown sprite, server refusal) prints
 * one line and what to do; anything else is a bug and prints its stack.
 */
export function reportError(error: unknown): number {
  if (error instanceof HobError) {
    process.stderr.write(`error: ${error.message}\n`);
    return error.code === 'internal' ? 2 : 1;
  }
  process.stderr.write(`hob: unexpected error (please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 2;
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
