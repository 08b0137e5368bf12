import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { ServiceRequestJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { commaList, envList, eventPrinter, requireSuccess, selectedSprite } from './shared.js';

interface CreateFlags {
  cmd: string;
  args?: string;
  env?: string;
  dir?: string;
  needs?: string;
  httpPort?: string;
  user?: string;
  duration?: string;
}

function portOf(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HobError('bad_request', `--http-port takes a port from 1 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

export function registerServicesCreate(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('create <service>')
    .description('create (or replace) a service and start it; it starts again at every boot of the sprite')
    .requiredOption('--cmd <program>', 'the program to run (a path, or a name looked up in PATH)')
    .option('--args <a,b,…>', 'its arguments, separated by commas')
    .option('--env <K=V,…>', 'variables over the sprite’s environment, separated by commas')
    .option('--dir <path>', 'its working directory (default: its user’s home)')
    .option('--needs <a,b,…>', 'services started before it')
    .option('--http-port <port>', 'the port the sprite’s URL goes to instead of 8080')
    .option('--user <user>', 'the account it runs as (default: the image’s user)')
    .option('--duration <duration>', 'how long to show its output after it starts (0: not at all)', '5s')
    .action(async (service: string, flags: CreateFlags) => {
      const body: ServiceRequestJson = {
        cmd: flags.cmd,
        ...(flags.args === undefined ? {} : { args: commaList(flags.args) }),
        ...(flags.env === undefined ? {} : { env: envList(flags.env) }),
        ...(flags.dir === undefined ? {} : { dir: flags.dir }),
        ...(flags.needs === undefined ? {} : { needs: commaList(flags.needs) }),
        ...(flags.httpPort === undefined ? {} : { http_port: portOf(flags.httpPort) }),
        ...(flags.user === undefined ? {} : { user: flags.user }),
      };
      const name = selectedSprite(program, ctx);
      const outcome = await ctx.client().createService(name, service, body, { duration: flags.duration }, eventPrinter(service));
      requireSuccess(outcome, service, 'starting');
      process.stdout.write(`service ${service} of ${name} is set up; \`hob services info ${service}\` shows how it runs\n`);
    });
}
