import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerPolicyNetwork } from './network.js';

/** `hob policy <kind>`: the sprite is chosen by the global -s option or the nearest .hob file. */
export function registerPolicy(program: Command, ctx: CliContext): void {
  const group = program.command('policy').description('show or set a sprite’s policies');
  registerPolicyNetwork(group, program, ctx);
}
