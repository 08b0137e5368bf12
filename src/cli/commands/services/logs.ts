import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { CliContext } from '../../context.js';
import { eventPrinter, requireSuccess, selectedSprite } from './shared.js';

const SIGINT_EXIT = 128 + 2;
/** What -f asks for: the longest a server follows a service (MAX_SERVICE_WATCH_MS). */
const FOLLOW = '24h';

function lineCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new HobError('bad_request', `-n takes a whole number, got ${JSON.stringify(value)}`);
  return n;
}

export function registerServicesLogs(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('logs <service>')
    .description('print a service’s recent output (since the sprite booted); -f follows it until Ctrl-C')
    .option('-n, --lines <count>', 'how many recent lines', '100')
    .option('-f, --follow', 'then print its output as it comes')
    .action(async (service: string, flags: { lines: string; follow?: boolean }) => {
      const onSigint = (): void => process.exit(SIGINT_EXIT);
      if (flags.follow === true) process.once('SIGINT', onSigint);
      try {
        const options = { lines: lineCount(flags.lines), ...(flags.follow === true ? { duration: FOLLOW } : {}) };
        const outcome = await ctx.client().serviceLogs(selectedSprite(program, ctx), service, options, eventPrinter(service));
        requireSuccess(outcome, service, 'reading the logs of');
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
