import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import type { NetworkPolicyJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { selectedSprite } from '../checkpoint/shared.js';
import { printPolicy } from './describe.js';

interface SetFlags {
  allow: string[];
  deny: string[];
  include: string[];
  file?: string;
  clear?: boolean;
}

const PRESETS = ['defaults'] as const;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function fromFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new HobError('bad_request', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HobError('bad_request', `${path} is not JSON (${error instanceof Error ? error.message : String(error)}); it takes the API's shape, {"rules": [...]}`);
  }
}

function fromFlags(flags: SetFlags): NetworkPolicyJson {
  const includes = flags.include.map((name) => {
    const preset = PRESETS.find((known) => known === name);
    if (preset === undefined) throw new HobError('bad_request', `--include takes ${PRESETS.join(', ')}, got ${JSON.stringify(name)}`);
    return { include: preset };
  });
  // Order does not change what the rules mean: exact beats wildcard, and deny wins a tie.
  return {
    rules: [
      ...includes,
      ...flags.allow.map((domain) => ({ domain, action: 'allow' as const })),
      ...flags.deny.map((domain) => ({ domain, action: 'deny' as const })),
    ],
  };
}

/**
 * The one source of the new rules. The file is sent as it is: the server validates it and its
 * 400 names what is wrong.
 */
function policyFrom(flags: SetFlags): unknown {
  const hasFlags = flags.allow.length + flags.deny.length + flags.include.length > 0;
  const sources = [hasFlags, flags.file !== undefined, flags.clear === true].filter(Boolean).length;
  if (sources !== 1) {
    const what = sources === 0 ? 'no rules given' : 'rules given more than one way';
    throw new HobError('bad_request', `${what}: use --allow/--deny/--include, or --file FILE, or --clear`);
  }
  if (flags.clear === true) return { rules: [] };
  if (flags.file !== undefined) return fromFile(flags.file);
  return fromFlags(flags);
}

/** `hob policy network` shows the sprite's egress name rules; `set` replaces them. */
export function registerPolicyNetwork(group: Command, program: Command, ctx: CliContext): void {
  const network = group
    .command('network')
    .description('show the sprite’s egress name rules')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const policy = await ctx.client().getNetworkPolicy(selectedSprite(program, ctx));
      if (flags.json === true) printJson(policy);
      else printPolicy(policy);
    });
  network
    .command('set')
    .description('replace the sprite’s egress name rules (all of them)')
    .option('--allow <name>', 'allow a name (github.com, *.github.com, *); repeatable', collect, [])
    .option('--deny <name>', 'deny a name; repeatable', collect, [])
    .option('--include <preset>', 'add a preset of rules: defaults', collect, [])
    .option('--file <path>', 'the rules as JSON in the API’s shape, {"rules": [...]}')
    .option('--clear', 'remove every rule: all egress allowed')
    .action(async (flags: SetFlags) => {
      const name = selectedSprite(program, ctx);
      const client = ctx.client();
      // The API validates the body; a file's content reaches it unchanged.
      await client.setNetworkPolicy(name, policyFrom(flags) as NetworkPolicyJson);
      printPolicy(await client.getNetworkPolicy(name));
    });
}
