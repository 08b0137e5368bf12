import type { Command } from 'commander';
import type { SpriteJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { formatBytes, printJson } from '../../output.js';

function storage(sprite: SpriteJson): string {
  const bytes = sprite.storage.exclusive_bytes;
  return bytes === null ? 'unknown (this host cannot count it)' : `${formatBytes(bytes)} of its own (shared blocks count for their owner)`;
}

function forkedFrom(sprite: SpriteJson): string {
  const source = sprite.forked_from;
  if (source === null) return '-';
  return source.checkpoint === undefined ? source.sprite : `${source.sprite} at checkpoint ${source.checkpoint}`;
}

export function registerInfo(program: Command, ctx: CliContext): void {
  program
    .command('info [name]')
    .description('show a sprite (the one named, -s, or the .hob file’s)')
    .option('--json', 'print JSON')
    .action(async (nameArg: string | undefined, flags: { json?: boolean }) => {
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      const sprite = await ctx.client().getSprite(name);
      if (flags.json === true) {
        printJson(sprite);
        return;
      }
      const fields: [string, string][] = [
        ['Name', sprite.name],
        ['ID', sprite.id],
        ['Status', sprite.status],
        ['Image', sprite.image],
        ['Runtime', sprite.runtime],
        ['Limits', `${sprite.config.ram_mb} MiB RAM, ${sprite.config.cpus} CPU, ${sprite.config.pids_max} processes`],
        ['Storage', storage(sprite)],
        ['Checkpoint', sprite.current_checkpoint ?? '-'],
        ['Forked from', forkedFrom(sprite)],
        ['Created', sprite.created_at],
        ['Labels', sprite.labels.join(', ') || '-'],
        ['URL', sprite.url],
      ];
      process.stdout.write(`${fields.map(([label, value]) => `${`${label}:`.padEnd(13)}${value}`).join('\n')}\n`);
    });
}
