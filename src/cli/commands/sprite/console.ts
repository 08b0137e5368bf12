import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { CliContext } from '../../context.js';
import { execInSprite } from './exec.js';

/** The best login shell the image has, picked inside the sprite. */
const SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];

export function registerConsole(program: Command, ctx: CliContext): void {
  program
    .command('console [name]')
    .alias('c')
    .description('open an interactive shell in a sprite; Ctrl+\\ detaches and leaves it running (hob attach)')
    .action(async (nameArg: string | undefined) => {
      if (!process.stdin.isTTY) throw new HobError('bad_request', 'console needs a terminal; use `hob exec` for scripts');
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      process.exitCode = await execInSprite(ctx, name, SHELL, { tty: true, env: {} });
    });
}
