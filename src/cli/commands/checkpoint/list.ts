import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import { selectedSprite } from './shared.js';

export function registerCheckpointList(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('list')
    .alias('ls')
    .description('list the sprite’s checkpoints, newest first')
    .option('--include-auto', 'include automatic checkpoints')
    .option('--history <id>', 'only this checkpoint and the ones made from it')
    .option('--json', 'print JSON')
    .action(async (flags: { includeAuto?: boolean; history?: string; json?: boolean }) => {
      const name = selectedSprite(program, ctx);
      const client = ctx.client();
      const [checkpoints, sprite] = await Promise.all([
        client.listCheckpoints(name, { includeAuto: flags.includeAuto === true, history: flags.history }),
        client.getSprite(name),
      ]);
      if (flags.json === true) {
        printJson(checkpoints);
        return;
      }
      if (checkpoints.length === 0) {
        process.stdout.write(`no checkpoints of ${name}; make one with \`hob checkpoint create -s ${name}\`\n`);
        return;
      }
      printTable(
        ['ID', 'CREATED', 'SOURCE', 'COMMENT'],
        checkpoints.map((c) => [
          c.id === sprite.current_checkpoint ? `${c.id} (current)` : c.id,
          c.create_time,
          c.source_id ?? '-',
          c.comment ?? '',
        ]),
      );
    });
}
