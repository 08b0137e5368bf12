import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { routes } from '../../shared/schemas/routes.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';
import { spriteJson, statusOf, type SpriteView } from './sprite-json.js';

export interface SleepRouteDeps {
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  view: SpriteView;
}

/** Sleep and wake on demand, and the SDK's restart, check and upgrade. */
export function registerSleepRoutes(app: FastifyInstance, deps: SleepRouteDeps): void {
  const { registry, lifecycle, view } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(routes.sleepSprite.path, routeOptions(routes.sleepSprite), async (request) => {
    const { name } = request.params;
    await lifecycle.sleepNow(name, request.body?.cold === true);
    return spriteJson(registry.get(name), view);
  });

  api.post(routes.wakeSprite.path, routeOptions(routes.wakeSprite), async (request) => spriteJson(await lifecycle.wake(request.params.name), view));

  api.post(routes.restartSprite.path, routeOptions(routes.restartSprite), async (request) => {
    const { name } = request.params;
    const machineId = await lifecycle.restart(name);
    return { sprite_name: name, machine_id: machineId, message: `sprite ${name} restarted` };
  });

  api.get(routes.checkSprite.path, routeOptions(routes.checkSprite), async (request) => {
    const { name } = request.params;
    const check = await lifecycle.check(name);
    const checkedAt = new Date().toISOString();
    if (check.answered === undefined) {
      const status: 'warm' | 'cold' = statusOf(check.state) === 'warm' ? 'warm' : 'cold';
      return { sprite_name: name, sprite_id: check.id, status, reason: `sprite ${name} is asleep (${status}); any use wakes it`, checked_at: checkedAt };
    }
    const elapsed = `${(check.elapsedMs ?? 0).toFixed(1)}ms`;
    if (check.answered) return { sprite_name: name, sprite_id: check.id, status: 'healthy' as const, checked_at: checkedAt, elapsed };
    return { sprite_name: name, sprite_id: check.id, status: 'unhealthy' as const, reason: 'its agent did not answer; the next use restarts it', checked_at: checkedAt, elapsed };
  });

  api.post(routes.upgradeSprite.path, routeOptions(routes.upgradeSprite), async (request, reply) => {
    await lifecycle.upgrade(request.params.name);
    return reply.code(204).send();
  });
}
