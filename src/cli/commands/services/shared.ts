import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { ServiceJson, ServiceLogEventJson } from '../../../shared/protocol.js';
import type { ServiceStreamOutcome } from '../../../client/client.js';
import type { CliContext } from '../../context.js';

/** The sprite a services command acts on: the global -s option, else the nearest .hob file. */
export function selectedSprite(program: Command, ctx: CliContext): string {
  return ctx.sprite(program.opts().sprite as string | undefined); // global -s option, a string
}

/**
 * Prints a service's events as they come: its output as it is, on the stream it came from, and
 * what happens to it as one line on stderr.
 */
export function eventPrinter(service: string): (event: ServiceLogEventJson) => void {
  return (event) => {
    switch (event.type) {
      case 'stdout':
        process.stdout.write(event.data ?? '');
        break;
      case 'stderr':
        process.stderr.write(event.data ?? '');
        break;
      case 'started':
      case 'stopping':
      case 'stopped':
        process.stderr.write(`${service}: ${event.type}\n`);
        break;
      case 'exit':
        process.stderr.write(`${service}: exited with status ${String(event.exit_code ?? '?')}\n`);
        break;
      case 'error':
        process.stderr.write(`${service}: ${event.data ?? 'failed'}\n`);
        break;
      case 'complete':
        break;
    }
  };
}

/** A stream that carried an `error` (the service could not start) or was cut short fails the command. */
export function requireSuccess(outcome: ServiceStreamOutcome, service: string, what: string): void {
  const [error] = outcome.errors;
  if (error !== undefined) throw new HobError('bad_request', `${what} ${service} failed: ${error}`);
  if (!outcome.completed) throw new HobError('sprite_unavailable', `the server ended the stream of ${service} early; see \`hob services info ${service}\``);
}

/** One word for a service's state, with what is due next. */
export function statusText(service: ServiceJson): string {
  const { state } = service;
  if (state.next_restart_at !== undefined) return `${state.status} (restarting at ${state.next_restart_at})`;
  return state.status;
}

/** `a,b,c` as a list; an empty value is an empty list. */
export function commaList(value: string): string[] {
  return value === '' ? [] : value.split(',');
}

/** `K=V,K2=V2` as variables. */
export function envList(value: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of commaList(value)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new HobError('bad_request', `--env takes NAME=value pairs separated by commas, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
