import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { selectedSprite } from './shared.js';

export function registerCheckpointInfo(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('info <id>')
    .description('show one checkpoint')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      const name = selectedSprite(program, ctx);
      const client = ctx.client();
      const [checkpoint, sprite] = await Promise.all([client.getCheckpoint(name, id), client.getSprite(name)]);
      if (flags.json === true) {
        printJson(checkpoint);
        return;
      }
      const lines = [
        `ID:       ${checkpoint.id}${checkpoint.id === sprite.current_checkpoint ? ' (current)' : ''}`,
        `Sprite:   ${name}`,
        `Created:  ${checkpoint.create_time}`,
        `Source:   ${checkpoint.source_id ?? '-'}`,
        `Comment:  ${checkpoint.comment ?? '-'}`,
        `Auto:     ${checkpoint.is_auto ? 'yes' : 'no'}`,
        `History:  ${checkpoint.history.join(' ← ') || '-'}`,
        `Mounted:  ${checkpoint.mounted ? `yes, at /.sprite/checkpoints/${checkpoint.id}/ in the sprite` : 'no'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
