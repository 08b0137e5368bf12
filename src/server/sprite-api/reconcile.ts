import type { Runtime } from '../runtimes/runtime.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import type { SpriteApiSockets } from './sockets.js';

/**
 * After a start: every sprite whose sandbox still runs (or sleeps frozen) is served again, its
 * socket file left by the previous server replaced. Sprites that are not running get theirs
 * when they boot.
 */
export async function serveLiveSprites(deps: { runtime: Runtime; registry: SpriteRegistry; sockets: SpriteApiSockets; containerPrefix: string }): Promise<void> {
  const prefix = `${deps.containerPrefix}-`;
  for (const sandbox of await deps.runtime.list(prefix)) {
    if (sandbox.state !== 'running' && sandbox.state !== 'paused') continue;
    const record = deps.registry.store.getById(sandbox.id.slice(prefix.length));
    if (record !== undefined) await deps.sockets.open(record.id, deps.registry.paths(record).spriteDir);
  }
}
