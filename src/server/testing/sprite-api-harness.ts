import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { HobError } from '../../shared/errors.js';
import type { CheckpointJson } from '../../shared/protocol.js';
import { createSpriteApiApp } from '../sprite-api/app.js';
import { API_SOCKET_NAME, SpriteApiSockets } from '../sprite-api/sockets.js';
import type { CheckpointService } from '../sprites/checkpoints.js';
import type { CheckpointRecord } from '../store/checkpoints.js';
import { openDatabase } from '../store/db.js';
import { SpriteStore } from '../store/sprites.js';
import { TaskStore } from '../store/tasks.js';
import { testSpriteRecord } from './sprite-record.js';
import { TaskBook } from '../tasks/book.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** Two sprites, `alpha` and `beta`, each with its socket of the in-sprite API on the host, over real stores and sockets; checkpoints are recorded, not taken. */
export async function spriteApiHarness(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'hob-sprite-api-'));
  const db = openDatabase(':memory:');
  const sprites = new SpriteStore(db);
  const ids = { alpha: 'a1a1a1a1', beta: 'b2b2b2b2' } as const;
  for (const [name, id] of Object.entries(ids)) {
    sprites.insert(testSpriteRecord(id, name));
  }
  const tasks = new TaskBook({ store: new TaskStore(db) });
  const checkpointCalls: string[] = [];
  const checkpoints: Pick<CheckpointService, 'create' | 'list'> = {
    list: (name) => {
      checkpointCalls.push(`list ${name}`);
      return [{ id: 'v0', create_time: '2026-01-01T00:00:00.000Z', comment: `of ${name}`, is_auto: false, history: [], mounted: true } satisfies CheckpointJson];
    },
    create: (name, comment, progress) => {
      checkpointCalls.push(`create ${name} ${comment ?? '-'}`);
      progress('Creating checkpoint...');
      return Promise.resolve({ id: 'v1' } as CheckpointRecord); // the routes read only the id
    },
  };
  // No agents here: a services call is recorded with the sprite it was for, and refused.
  const agentCalls: string[] = [];
  const lifecycle = {
    withAgent: <T>(name: string): Promise<T> => {
      agentCalls.push(name);
      return Promise.reject(new HobError('sprite_unavailable', `no agent in the harness (${name})`));
    },
  };
  const app = createSpriteApiApp({
    tasks,
    checkpoints,
    lifecycle,
    nameOf: (spriteId) => sprites.getById(spriteId)?.name ?? 'gone',
    log: pino({ level: 'silent' }),
  });
  await app.fastify.ready();
  const sockets = new SpriteApiSockets({ tasks });
  sockets.serve(app.fastify);
  const spriteDir = (name: keyof typeof ids) => join(dir, name);
  await sockets.open(ids.alpha, spriteDir('alpha'));
  await sockets.open(ids.beta, spriteDir('beta'));
  t.after(async () => {
    await sockets.closeAll();
    tasks.close();
    await app.fastify.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const socketOf = (name: keyof typeof ids) => join(spriteDir(name), API_SOCKET_NAME);
  /** A raw request on a sprite's socket; `body` is sent as given (a string) or as JSON. */
  const call = (name: keyof typeof ids, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request({ socketPath: socketOf(name), method, path, headers: { Host: 'sprite', ...headers }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : (JSON.parse(text) as unknown);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  return { ids, tasks, sockets, checkpointCalls, agentCalls, spriteDir, socketOf, call };
}
