import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { progressPrinter } from '../../progress.js';
import { resultOf, selectedSprite } from './shared.js';

const DESCRIPTION = 'restore the sprite’s files to a checkpoint (restarts it; its current files are kept as an automatic checkpoint)';

async function restore(program: Command, ctx: CliContext, id: string): Promise<void> {
  const name = selectedSprite(program, ctx);
  const printer = await progressPrinter(process.stderr);
  const last = await ctx.client().restoreCheckpoint(name, id, printer.onEvent).finally(printer.stop);
  const done = resultOf(last, `restore of ${id}`);
  process.stdout.write(`Checkpoint restored: ${done.id ?? id}\n`);
}

/** `hob checkpoint restore <id>`. */
export function registerCheckpointRestore(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('restore <id>')
    .description(DESCRIPTION)
    .action((id: string) => restore(program, ctx, id));
}

/** `hob restore <id>`, the same as `hob checkpoint restore <id>`. */
export function registerRestore(program: Command, ctx: CliContext): void {
  program
    .command('restore <id>')
    .description(DESCRIPTION)
    .action((id: string) => restore(program, ctx, id));
}
