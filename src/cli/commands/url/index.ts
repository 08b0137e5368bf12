import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { SpriteJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { selectedSprite } from '../checkpoint/shared.js';

const AUTH_MODES = ['public', 'sprite'] as const;

function describeAuth(sprite: SpriteJson): string {
  return sprite.url_settings.auth === 'public'
    ? 'public (anyone who can reach this server)'
    : 'sprite (an API token as `Authorization: Bearer`, or a browser sign-in at /.hob/login)';
}

function printUrl(sprite: SpriteJson): void {
  process.stdout.write(`URL:  ${sprite.url}\nAuth: ${describeAuth(sprite)}\n`);
}

/** `hob url` shows the sprite's URL and who may open it; `hob url update --auth` changes that. */
export function registerUrl(program: Command, ctx: CliContext): void {
  const group = program
    .command('url')
    .description('show the sprite’s URL (port 8080 inside it) and its auth')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const sprite = await ctx.client().getSprite(selectedSprite(program, ctx));
      if (flags.json === true) printJson({ url: sprite.url, url_settings: sprite.url_settings });
      else printUrl(sprite);
    });
  group
    .command('update')
    .description('set who may open the sprite’s URL')
    .requiredOption('--auth <mode>', 'public: anyone; sprite: an API token or a browser sign-in')
    .action(async (flags: { auth: string }) => {
      const auth = AUTH_MODES.find((mode) => mode === flags.auth);
      if (auth === undefined) throw new HobError('bad_request', `--auth must be public or sprite, got ${JSON.stringify(flags.auth)}`);
      printUrl(await ctx.client().updateSprite(selectedSprite(program, ctx), { url_settings: { auth } }));
    });
}
