import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { selectedSprite } from './shared.js';

export function registerServicesDelete(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('delete <service>')
    .alias('rm')
    .description('stop a service and delete it (refused while another service needs it)')
    .action(async (service: string) => {
      const name = selectedSprite(program, ctx);
      await ctx.client().deleteService(name, service);
      process.stdout.write(`deleted service ${service} of ${name}\n`);
    });
}
