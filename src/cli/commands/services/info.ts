import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { selectedSprite, statusText } from './shared.js';

export function registerServicesInfo(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('info <service>')
    .alias('get')
    .description('show a service: its definition and its state')
    .option('--json', 'print JSON')
    .action(async (service: string, flags: { json?: boolean }) => {
      const s = await ctx.client().getService(selectedSprite(program, ctx), service);
      if (flags.json === true) {
        printJson(s);
        return;
      }
      const env = Object.keys(s.env);
      const fields: [string, string][] = [
        ['Name', s.name],
        ['Status', statusText(s)],
        ['PID', s.state.pid === undefined ? '-' : String(s.state.pid)],
        ['Started', s.state.started_at ?? '-'],
        ['Restarts', String(s.state.restart_count)],
        ['Error', s.state.error ?? '-'],
        ['Command', JSON.stringify([s.cmd, ...s.args])],
        ['Directory', s.dir ?? '(its user’s home)'],
        ['User', s.user ?? '(the image’s user)'],
        ['Environment', env.length === 0 ? '-' : env.join(', ')],
        ['Needs', s.needs.join(', ') || '-'],
        ['HTTP port', s.http_port === undefined ? '-' : `${s.http_port} (the sprite’s URL goes here)`],
      ];
      process.stdout.write(`${fields.map(([label, value]) => `${`${label}:`.padEnd(13)}${value}`).join('\n')}\n`);
    });
}
