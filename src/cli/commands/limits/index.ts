import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import { MAX_SPEND_LIMIT } from '../../../shared/schemas/limits.js';
import type { SpendLimitBodyJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { describeServerLimits, describeSpriteLimit } from './describe.js';

interface SetFlags {
  daily?: string;
  monthly?: string;
  server?: boolean;
  json?: boolean;
}

/** An amount of money from a flag: 5, 0.50 or $5; `none` lifts the limit. */
export function amountOf(value: string, flag: string): number | null {
  if (value === 'none') return null;
  const figure = value.startsWith('$') ? value.slice(1) : value;
  const amount = Number(figure);
  if (figure === '' || !Number.isFinite(amount) || amount < 0 || amount > MAX_SPEND_LIMIT) {
    throw new HobError('bad_request', `${flag} takes an amount of money such as 5 or 0.50 (or none to lift it), got ${JSON.stringify(value)}`);
  }
  return amount;
}

/**
 * Whose limit a set or clear names: a sprite given by name or -s, or the server's with --server.
 * Unlike `hob limits`, the .hob file is not asked: a limit set on the wrong sprite is no limit.
 */
function target(nameArg: string | undefined, flags: SetFlags, program: Command, ctx: CliContext): string | undefined {
  const name = nameArg ?? (program.opts().sprite as string | undefined); // global -s option, a string
  if (flags.server === true && name !== undefined) throw new HobError('bad_request', 'name a sprite or give --server, not both');
  if (flags.server !== true && name === undefined) throw new HobError('bad_request', "name the sprite whose limit to change, or give --server for the server's limit over all sprites");
  return name === undefined ? undefined : ctx.sprite(name);
}

export function registerLimits(program: Command, ctx: CliContext): void {
  const group = program
    .command('limits [name]')
    .description("show a sprite's spend limit (or, with no name, the server's limits: spend over all sprites, and the cap on running sprites)")
    .option('--json', 'print JSON')
    .action(async (nameArg: string | undefined, flags: { json?: boolean }) => {
      // A bare `hob limits` means the server's, as a bare `hob usage` means every sprite.
      const name = nameArg ?? (program.opts().sprite as string | undefined); // global -s option, a string
      const client = ctx.client();
      if (name === undefined) {
        const limits = await client.getLimits();
        if (flags.json === true) printJson(limits);
        else process.stdout.write(describeServerLimits(limits));
        return;
      }
      const limit = await client.getSpendLimit(ctx.sprite(name));
      if (flags.json === true) printJson(limit);
      else process.stdout.write(describeSpriteLimit(name, limit));
    });

  group
    .command('set [name]')
    .description("set a sprite's spend limit, or the server's with --server; periods not given keep their limit (needs the admin token)")
    .option('--daily <amount>', 'most it may spend in a UTC day, in the price file\'s currency (none: no daily limit)')
    .option('--monthly <amount>', 'most it may spend in a UTC month (none: no monthly limit)')
    .option('--server', "the server's limit, over all sprites together")
    .option('--json', 'print JSON')
    .action(async (nameArg: string | undefined, flags: SetFlags) => {
      if (flags.daily === undefined && flags.monthly === undefined) throw new HobError('bad_request', 'give --daily, --monthly or both (an amount, or none)');
      const name = target(nameArg, flags, program, ctx);
      const client = ctx.client();
      const current = name === undefined ? (await client.getLimits()).spend : await client.getSpendLimit(name);
      const body: SpendLimitBodyJson = {
        daily: flags.daily === undefined ? current.daily : amountOf(flags.daily, '--daily'),
        monthly: flags.monthly === undefined ? current.monthly : amountOf(flags.monthly, '--monthly'),
      };
      const limit = await client.setSpendLimit(name, body);
      if (flags.json === true) printJson(limit);
      else process.stdout.write(describeSpriteOrServer(name, limit));
    });

  group
    .command('clear [name]')
    .description("remove a sprite's spend limit, or the server's with --server (needs the admin token)")
    .option('--server', "the server's limit")
    .action(async (nameArg: string | undefined, flags: SetFlags) => {
      const name = target(nameArg, flags, program, ctx);
      const limit = await ctx.client().setSpendLimit(name, undefined);
      process.stdout.write(describeSpriteOrServer(name, limit));
    });
}

function describeSpriteOrServer(name: string | undefined, limit: Parameters<typeof describeSpriteLimit>[1]): string {
  return describeSpriteLimit(name ?? 'all sprites (the server)', limit);
}
