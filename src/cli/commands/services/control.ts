import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { eventPrinter, requireSuccess, selectedSprite } from './shared.js';

/** `start`, `stop` and `restart`: each streams what happens to the service. */
export function registerServicesControl(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('start <service>')
    .description('start a stopped or failed service')
    .option('--duration <duration>', 'how long to show its output after it starts', '5s')
    .action(async (service: string, flags: { duration: string }) => {
      const outcome = await ctx.client().startService(selectedSprite(program, ctx), service, { duration: flags.duration }, eventPrinter(service));
      requireSuccess(outcome, service, 'starting');
    });
  group
    .command('stop <service>')
    .description('stop a service (SIGTERM to all its processes, SIGKILL after --timeout); it stays stopped until started')
    .option('--timeout <duration>', 'how long it has to exit before it is killed', '10s')
    .action(async (service: string, flags: { timeout: string }) => {
      const outcome = await ctx.client().stopService(selectedSprite(program, ctx), service, { timeout: flags.timeout }, eventPrinter(service));
      requireSuccess(outcome, service, 'stopping');
    });
  group
    .command('restart <service>')
    .description('stop a service if it runs, then start it')
    .option('--duration <duration>', 'how long to show its output after it starts', '5s')
    .action(async (service: string, flags: { duration: string }) => {
      const outcome = await ctx.client().restartService(selectedSprite(program, ctx), service, { duration: flags.duration }, eventPrinter(service));
      requireSuccess(outcome, service, 'restarting');
    });
}
