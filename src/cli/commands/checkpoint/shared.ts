import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { ProgressEvent } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';

/** The sprite a checkpoint command acts on: the global -s option, else the nearest .hob file. */
export function selectedSprite(program: Command, ctx: CliContext): string {
  return ctx.sprite(program.opts().sprite as string | undefined); // global -s option, a string
}

/** Ends a progress stream: an `error` event becomes the one-line error the CLI prints. */
export function resultOf(event: ProgressEvent, what: string): Extract<ProgressEvent, { type: 'complete' }> {
  if (event.type === 'error') throw new HobError('internal', `${what} failed: ${event.error}`);
  if (event.type !== 'complete') throw new HobError('internal', `${what}: the server ended the stream without a result`);
  return event;
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

/** A --limit style option: a whole number of at least 1. */
export function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new HobError('bad_request', `${flag} takes a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}
