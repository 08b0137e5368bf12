import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { TaskJson } from '../../shared/protocol.js';
import { spriteApiRoutes } from '../../shared/schemas/sprite-api.js';
import { routeOptions } from '../api/contract.js';
import type { TaskRecord } from '../store/tasks.js';
import type { TaskBook } from '../tasks/book.js';
import { taskExpireMs } from '../tasks/expire.js';
import { callerOf } from './caller.js';

export function taskJson(task: TaskRecord): TaskJson {
  return { name: task.name, started_at: new Date(task.startedAtMs).toISOString(), expires_at: new Date(task.expiresAtMs).toISOString() };
}

/** The Tasks API, each call on the calling sprite's own tasks. */
export function registerTaskRoutes(app: FastifyInstance, tasks: TaskBook): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const routes = spriteApiRoutes;

  api.get(routes.listTasks.path, routeOptions(routes.listTasks), (request) => ({ tasks: tasks.list(callerOf(request)).map(taskJson) }));

  api.post(routes.createTask.path, routeOptions(routes.createTask), async (request, reply) => {
    const task = tasks.create(callerOf(request), request.body.name, taskExpireMs(request.body.expire));
    return reply.status(201).send(taskJson(task));
  });

  api.put(routes.putTask.path, routeOptions(routes.putTask), (request) => taskJson(tasks.upsert(callerOf(request), request.body.name, taskExpireMs(request.body.expire))));

  api.get(routes.getTask.path, routeOptions(routes.getTask), (request) => taskJson(tasks.get(callerOf(request), request.params.name)));

  api.put(routes.putNamedTask.path, routeOptions(routes.putNamedTask), (request) =>
    taskJson(tasks.upsert(callerOf(request), request.params.name, taskExpireMs(request.body?.expire))),
  );

  api.delete(routes.deleteTask.path, routeOptions(routes.deleteTask), async (request, reply) => {
    tasks.delete(callerOf(request), request.params.name);
    return reply.status(204).send();
  });
}
