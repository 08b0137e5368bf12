import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { PortEventJson, PortMessageJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

const SIGINT_EXIT = 128 + 2;

function portRows(ports: readonly PortEventJson[]): string[][] {
  return ports.map((p) => [String(p.port), p.address, String(p.pid)]);
}

function printPorts(name: string, ports: readonly PortEventJson[]): void {
  if (ports.length === 0) process.stdout.write(`no TCP ports listening in ${name}\n`);
  else printTable(['PORT', 'ADDRESS', 'PID'], portRows(ports));
}

function printChange(change: PortEventJson): void {
  const what = change.type === 'port_opened' ? 'opened' : 'closed';
  process.stdout.write(`${what}  ${change.port}  ${change.address}  pid ${change.pid}\n`);
}

/** `hob ports [--watch] [--json]`: the TCP ports listening in a sprite, and with --watch their changes until Ctrl-C. */
export function registerPorts(program: Command, ctx: CliContext): void {
  program
    .command('ports')
    .description('list the TCP ports listening in the sprite; --watch follows them until Ctrl-C')
    .option('--watch', 'after the list, print ports as they open and close')
    .option('--json', 'print JSON (with --watch, one message per line)')
    .action(async (flags: { watch?: boolean; json?: boolean }) => {
      const name = ctx.sprite(program.opts().sprite as string | undefined); // global -s option, a string
      const stop = new AbortController();
      const onSigint = (): void => {
        process.exitCode = SIGINT_EXIT;
        stop.abort();
      };
      process.once('SIGINT', onSigint);
      const seen = { list: false };
      const show = (message: PortMessageJson): void => {
        if (message.type === 'port_list') seen.list = true;
        if (flags.watch !== true) {
          if (message.type !== 'port_list') return;
          if (flags.json === true) printJson(message.ports.map(({ port, address, pid }) => ({ port, address, pid })));
          else printPorts(name, message.ports);
          stop.abort();
        } else if (flags.json === true) process.stdout.write(`${JSON.stringify(message)}\n`);
        else if (message.type === 'port_list') printPorts(name, message.ports);
        else printChange(message);
      };
      try {
        await ctx.client().watchPorts(name, show, stop.signal);
      } finally {
        process.off('SIGINT', onSigint);
      }
      if (!seen.list && !stop.signal.aborted) throw new HobError('sprite_unavailable', `the port watch of ${name} ended before it listed the ports; try again`);
    });
}
