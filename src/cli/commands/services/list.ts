import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import { selectedSprite, statusText } from './shared.js';

export function registerServicesList(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('list')
    .alias('ls')
    .description('list the sprite’s services and their states')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const name = selectedSprite(program, ctx);
      const services = await ctx.client().listServices(name);
      if (flags.json === true) {
        printJson(services);
        return;
      }
      if (services.length === 0) {
        process.stdout.write(`no services in ${name}; make one with \`hob services create NAME --cmd PROGRAM -s ${name}\`\n`);
        return;
      }
      printTable(
        ['NAME', 'STATUS', 'PID', 'RESTARTS', 'HTTP', 'COMMAND'],
        services.map((s) => [s.name, statusText(s), s.state.pid === undefined ? '-' : String(s.state.pid), String(s.state.restart_count), s.http_port === undefined ? '-' : String(s.http_port), [s.cmd, ...s.args].join(' ')]),
      );
    });
}
