import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { ProgressEvent } from '../../../shared/protocol.js';
import type { ProgressOutcome } from '../../../client/client.js';
import { errorFromEvent } from '../../../client/errors.js';
import type { CliContext } from '../../context.js';

/** The sprite a checkpoint command acts on: the global -s option, else the nearest .hob file. */
export function selectedSprite(program: Command, ctx: CliContext): string {
  return ctx.sprite(program.opts().sprite as string | undefined); // global -s option, a string
}

/** Ends a progress stream: an `error` event becomes the error the CLI reports, with the server's code. */
export function resultOf(event: ProgressOutcome, what: string): Extract<ProgressEvent, { type: 'complete' }> {
  if (event.type === 'error') throw errorFromEvent(event, what);
  return event;
}

/** A --limit style option: a whole number of at least 1. */
export function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new HobError('bad_request', `${flag} takes a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}
