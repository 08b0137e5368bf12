/**
 * The command word of an invocation (`exec`, `checkpoint`, …): the first argument that is not an
 * option, skipping the value of the global -s/--sprite; undefined when there is none before `--`.
 * The launcher keys its code cache on it and main() loads only that command's module.
 */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-s' || arg === '--sprite') i++;
    else if (arg === '--') return undefined;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** `hob --version` (or -V) alone, which needs no command registered. */
export function asksOnlyVersion(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] === '--version' || args[0] === '-V');
}
