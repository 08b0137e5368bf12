import { EXEC_MODULES } from './exec-modules.js';
import type { CommandModule } from './module.js';

/** Every command, in the order `hob --help` lists them (src/cli/commands/module.ts says when each is loaded). */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['serve'], load: async () => (await import('./serve.js')).registerServe },
  { names: ['create'], load: async () => (await import('./sprite/create.js')).registerCreate },
  { names: ['list', 'ls'], load: async () => (await import('./sprite/list.js')).registerList },
  { names: ['info'], load: async () => (await import('./sprite/info.js')).registerInfo },
  { names: ['destroy'], load: async () => (await import('./sprite/destroy.js')).registerDestroy },
  { names: ['sleep', 'restart', 'idle-timeout', 'wake'], load: async () => (await import('./sprite/sleep.js')).registerSleep },
  ...EXEC_MODULES,
  { names: ['sessions', 'session'], load: async () => (await import('./session/index.js')).registerSessions },
  { names: ['attach'], load: async () => (await import('./session/index.js')).registerAttach },
  { names: ['use'], load: async () => (await import('./sprite/use.js')).registerUse },
  { names: ['image', 'images'], load: async () => (await import('./image/index.js')).registerImage },
  { names: ['checkpoint', 'checkpoints'], load: async () => (await import('./checkpoint/index.js')).registerCheckpoint },
  { names: ['restore'], load: async () => (await import('./checkpoint/index.js')).registerRestore },
  { names: ['fork'], load: async () => (await import('./sprite/fork.js')).registerFork },
  { names: ['ports'], load: async () => (await import('./ports/index.js')).registerPorts },
  { names: ['url'], load: async () => (await import('./url/index.js')).registerUrl },
  { names: ['proxy'], load: async () => (await import('./proxy/index.js')).registerProxy },
  { names: ['policy'], load: async () => (await import('./policy/index.js')).registerPolicy },
  { names: ['limits'], load: async () => (await import('./limits/index.js')).registerLimits },
  { names: ['usage'], load: async () => (await import('./usage/index.js')).registerUsage },
  { names: ['token'], load: async () => (await import('./token/index.js')).registerToken },
  { names: ['cp', 'file'], load: async () => (await import('./cp/index.js')).registerCp },
  { names: ['services', 'service'], load: async () => (await import('./services/index.js')).registerServices },
];
