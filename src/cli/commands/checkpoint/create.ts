import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { progressPrinter } from '../../progress.js';
import { resultOf, selectedSprite } from './shared.js';

export function registerCheckpointCreate(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('create')
    .description('checkpoint the sprite’s files (copy-on-write; the sprite keeps running)')
    .option('--comment <text>', 'a note to remember it by')
    .option('--json', 'print the new checkpoint as JSON')
    .action(async (flags: { comment?: string; json?: boolean }) => {
      const name = selectedSprite(program, ctx);
      const client = ctx.client();
      const printer = await progressPrinter(process.stderr);
      const last = await client.createCheckpoint(name, flags.comment, printer.onEvent).finally(printer.stop);
      const done = resultOf(last, 'checkpoint');
      const id = done.id ?? /checkpoint (\S+)/i.exec(done.data)?.[1] ?? '?';
      if (flags.json === true) printJson(await client.getCheckpoint(name, id));
      else process.stdout.write(`Checkpoint created: ${id}\n`);
    });
}
