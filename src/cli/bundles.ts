/**
 * The command words the launcher (src/cli/bin.ts) runs from dist/cli-exec.js, the bundle of
 * src/cli/commands/exec-modules.ts alone, rather than from dist/cli.js. A list of its own, so the
 * launcher does not bundle the commands.
 */
export const EXEC_BUNDLE_WORDS: readonly string[] = ['exec', 'x', 'console', 'c'];
