import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { selectedSprite } from './shared.js';

export function registerServicesSignal(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('signal <service> <signal>')
    .description('send a signal (HUP, TERM, USR1, … or a number) to a service’s main process')
    .action(async (service: string, signal: string) => {
      await ctx.client().signalService(selectedSprite(program, ctx), service, signal);
    });
}
