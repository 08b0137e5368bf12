import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';

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
      const lines = [
        `Name:     ${sprite.name}`,
        `ID:       ${sprite.id}`,
        `Status:   ${sprite.status}`,
        `Image:    ${sprite.image}`,
        `Runtime:  ${sprite.runtime}`,
        `Limits:   ${sprite.config.ram_mb} MiB RAM, ${sprite.config.cpus} CPU, ${sprite.config.pids_max} processes`,
        `Created:  ${sprite.created_at}`,
        `Labels:   ${sprite.labels.join(', ') || '-'}`,
        `URL:      ${sprite.url}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
