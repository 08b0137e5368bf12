import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { CliContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import { parseExpirySeconds } from './expiry.js';

interface CreateFlags {
  name?: string;
  expires?: string;
  sprites?: string;
  label?: string;
  readOnly?: boolean;
  json?: boolean;
}

/** `hob token create|list|revoke`: tokens beside the admin one (the admin token is needed to manage them). */
export function registerToken(program: Command, ctx: CliContext): void {
  const group = program.command('token').description('make, list and revoke API tokens limited to some sprites');

  group
    .command('create')
    .description('make a token; it is printed once')
    .option('--name <name>', 'a unique name, for `hob token revoke`')
    .option('--expires <duration>', 'stop working after this long: 7d, 12h, 90m')
    .option('--sprites <prefix>', 'only sprites whose name starts with this')
    .option('--label <label>', 'only sprites that carry this label (e.g. team=ml)')
    .option('--read-only', 'list and read sprites only: no exec, console, proxy, change or create')
    .option('--json', 'print JSON')
    .action(async (flags: CreateFlags) => {
      let expiresInSeconds: number | undefined;
      if (flags.expires !== undefined) {
        expiresInSeconds = parseExpirySeconds(flags.expires);
        if (expiresInSeconds === undefined) throw new HobError('bad_request', `--expires ${flags.expires} is not a duration: use e.g. 7d, 12h or 90m`);
      }
      const created = await ctx.client().createToken({
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.sprites === undefined ? {} : { sprite_prefix: flags.sprites }),
        ...(flags.label === undefined ? {} : { sprite_label: flags.label }),
        ...(flags.readOnly === true ? { read_only: true } : {}),
        ...(expiresInSeconds === undefined ? {} : { expires_in_seconds: expiresInSeconds }),
      });
      if (flags.json === true) {
        printJson(created);
        return;
      }
      process.stdout.write(`${created.token}\n`);
      process.stderr.write(`token ${created.id}${created.name === null ? '' : ` (${created.name})`}: ${scopeText(created)}; it is not shown again\n`);
    });

  group
    .command('list')
    .alias('ls')
    .description('list tokens (never the tokens themselves)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const { tokens } = await ctx.client().listTokens();
      if (flags.json === true) {
        printJson(tokens);
        return;
      }
      printTable(
        ['ID', 'NAME', 'SCOPE', 'CREATED', 'EXPIRES'],
        tokens.map((token) => [token.id, token.name ?? '-', scopeText(token), token.created_at, token.expires_at ?? 'never']),
      );
    });

  group
    .command('revoke')
    .description('revoke a token by id or name; it stops working at once')
    .argument('<id-or-name>')
    .action(async (idOrName: string) => {
      await ctx.client().revokeToken(idOrName);
      process.stdout.write(`revoked ${idOrName}\n`);
    });
}

function scopeText(token: { admin: boolean; sprite_prefix: string | null; sprite_label: string | null; read_only: boolean }): string {
  if (token.admin) return 'admin';
  const parts = [token.sprite_prefix === null ? null : `sprites ${token.sprite_prefix}*`, token.sprite_label === null ? null : `label ${token.sprite_label}`].filter((part) => part !== null);
  return `${parts.length === 0 ? 'all sprites' : parts.join(', ')}${token.read_only ? ', read-only' : ''}`;
}
