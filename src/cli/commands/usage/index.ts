import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import { parseSpanMs } from '../../../shared/span.js';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { renderUsage } from './render.js';

/** Room the chart's axis labels take from the terminal's width. */
const AXIS_COLUMNS = 14;

export function registerUsage(program: Command, ctx: CliContext): void {
  program
    .command('usage [name]')
    .description("show what a sprite (or, with no name, every sprite) used and what it cost, with charts over time")
    .option('--since <duration>', 'how far back to look: 90m, 24h, 7d', '24h')
    .option('--step <duration>', 'width of each point: 1m, 15m, 1h, 1d (default: chosen for the range)')
    .option('--json', 'print JSON')
    .action(async (nameArg: string | undefined, flags: { since: string; step?: string; json?: boolean }) => {
      const sinceMs = parseSpanMs(flags.since);
      if (sinceMs === undefined || sinceMs <= 0) throw new HobError('bad_request', `--since must be a duration such as 90m, 24h or 7d; got ${JSON.stringify(flags.since)}`);
      const query = { from: new Date(Date.now() - sinceMs).toISOString(), ...(flags.step === undefined ? {} : { step: flags.step }) };
      // Only a name given here or with -s: a bare `hob usage` means every sprite, not the .hob file's.
      const name = nameArg ?? (program.opts().sprite as string | undefined); // global -s option, a string
      const client = ctx.client();
      const report = name === undefined ? await client.getUsage(query) : await client.getSpriteUsage(ctx.sprite(name), query);
      if (flags.json === true) {
        printJson(report);
        return;
      }
      const width = (process.stdout.columns || 80) - AXIS_COLUMNS;
      process.stdout.write(renderUsage(report, width));
    });
}
