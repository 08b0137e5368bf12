import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerSleep(program: Command, ctx: CliContext): void {
  program
    .command('sleep [name]')
    .description('put a sprite to sleep now: warm (processes frozen, memory kept), or cold with --cold; any use wakes it')
    .option('--cold', 'stop its processes instead (its files stay)')
    .action(async (nameArg: string | undefined, flags: { cold?: boolean }) => {
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      const sprite = await ctx.client().sleepSprite(name, { cold: flags.cold === true });
      process.stdout.write(`sprite ${name} is ${sprite.status}\n`);
    });
  program
    .command('restart [name]')
    .description('reboot a sprite: its processes stop and it boots again with its files; its services start again')
    .action(async (nameArg: string | undefined) => {
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      const startedAt = performance.now();
      await ctx.client().restartSprite(name);
      process.stdout.write(`sprite ${name} restarted (${Math.round(performance.now() - startedAt)} ms)\n`);
    });
  program
    .command('idle-timeout <duration> [name]')
    .description("set how long a sprite may sit without activity before it sleeps, e.g. 5m or 2h; 0: never, 'default': the server's")
    .action(async (duration: string, nameArg: string | undefined) => {
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      const sprite = await ctx.client().updateSprite(name, { config: { idle_timeout: duration === 'default' ? null : duration } });
      process.stdout.write(`sprite ${name} sleeps after ${sprite.config.idle_timeout === 0 ? 'never' : `${sprite.config.idle_timeout}s`} without activity\n`);
    });
  program
    .command('wake [name]')
    .description('wake a sprite now (any use wakes it too)')
    .action(async (nameArg: string | undefined) => {
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      const startedAt = performance.now();
      const sprite = await ctx.client().wakeSprite(name);
      process.stdout.write(`sprite ${name} is ${sprite.status} (${Math.round(performance.now() - startedAt)} ms)\n`);
    });
}
