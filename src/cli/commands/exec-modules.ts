import type { CommandModule } from './module.js';

/**
 * `hob exec` and `hob console`, which run a command in a sprite: the launcher runs them from a
 * bundle of their own (src/cli/exec-main.ts, words in src/cli/bundles.ts), as the full CLI's
 * code cache alone costs more to load than what they run.
 */
export const EXEC_MODULES: readonly CommandModule[] = [
  { names: ['exec', 'x'], load: async () => (await import('./sprite/exec.js')).registerExec },
  { names: ['console', 'c'], load: async () => (await import('./sprite/console.js')).registerConsole },
];
