import type { Command } from 'commander';
import { asksOnlyVersion, commandWord } from '../command-word.js';
import type { CliContext } from '../context.js';

export type Register = (program: Command, ctx: CliContext) => void;

/** A module of commands: the top-level names and aliases its register function adds, and how to load it. */
export interface CommandModule {
  readonly names: readonly string[];
  readonly load: () => Promise<Register>;
}

/**
 * The modules of a table to register for a command line (without node and the script). A module
 * is loaded (its code compiled, its imports such as the API's schemas built) only when it is
 * registered: a command named on the command line registers alone, `hob --version` needs none,
 * and anything else (help, a typo commander suggests a fix for, no command) registers them all.
 */
export function modulesFor(args: readonly string[], table: readonly CommandModule[]): readonly CommandModule[] {
  if (asksOnlyVersion(args)) return [];
  const word = commandWord(args);
  const own = table.filter((module) => word !== undefined && module.names.includes(word));
  return own.length > 0 ? own : table;
}
