import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HobError } from '../../shared/errors.js';
import type { SandboxApi } from '../sprites/sandboxes.js';
import type { TaskBook } from '../tasks/book.js';
import { KeyedMutex } from '../util/mutex.js';
import { setCaller } from './caller.js';

/** The socket's name in the sprite dir, which the sprite sees at /.sprite. */
export const API_SOCKET_NAME = 'api.sock';

/** A sprite's programs may keep this many connections open at once; more are closed as they come. */
const MAX_CONNECTIONS = 32;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_HEADER_BYTES = 16 * 1024;

export interface SpriteApiSocketsDeps {
  tasks: Pick<TaskBook, 'endRun'>;
}

interface Listener {
  server: Server;
  socketPath: string;
}

/**
 * One listening unix socket per running sprite, in the host directory mounted read-only at
 * /.sprite, served by this process. The socket is the caller's identity: a sprite's mount
 * namespace holds its own socket and no other, so a request on it can only be its own.
 */
export class SpriteApiSockets implements SandboxApi {
  private readonly listeners = new Map<string, Listener>();
  private readonly locks = new KeyedMutex();
  private app: FastifyInstance | undefined;

  constructor(private readonly deps: SpriteApiSocketsDeps) {}

  /**
   * Gives the sockets their routes, once, before any sprite boots. Not a constructor argument:
   * the routes reach checkpoints, which reach the sandboxes, which open these sockets.
   */
  serve(app: FastifyInstance): void {
    if (this.app !== undefined) throw new HobError('internal', 'the in-sprite API is served already');
    this.app = app;
  }

  /** Listens for a sprite (again, if its socket file went away or a dead server's is still there). */
  open(spriteId: string, spriteDir: string): Promise<void> {
    return this.locks.run(spriteId, async () => {
      const socketPath = join(spriteDir, API_SOCKET_NAME);
      const current = this.listeners.get(spriteId);
      if (current !== undefined && current.socketPath === socketPath && isSocket(socketPath)) return;
      if (current !== undefined) await this.stop(spriteId, current);
      if (this.app === undefined) throw new HobError('internal', 'a sprite booted before the in-sprite API had its routes');
      // The sprite's state dir above it stays closed to other host users, whoever makes it first.
      mkdirSync(dirname(spriteDir), { recursive: true, mode: 0o700 });
      // Host root owns it: the sprite (another uid, and a read-only mount) can neither replace nor remove the socket.
      mkdirSync(spriteDir, { recursive: true, mode: 0o755 });
      chmodSync(spriteDir, 0o755);
      this.listeners.set(spriteId, { server: await listen(spriteId, spriteDir, this.app), socketPath });
    });
  }

  /** Stops listening for a sprite and ends its run's tasks; a sprite not listened for is no error. */
  close(spriteId: string): Promise<void> {
    return this.locks.run(spriteId, async () => {
      const current = this.listeners.get(spriteId);
      if (current !== undefined) await this.stop(spriteId, current);
      this.deps.tasks.endRun(spriteId);
    });
  }

  /** Whether a sprite's socket is served (for tests and reconciliation). */
  listening(spriteId: string): boolean {
    return this.listeners.has(spriteId);
  }

  /** Server shutdown: every socket closes; sprites and their tasks stay, to be served again by the next start. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.listeners].map(([spriteId, listener]) => this.locks.run(spriteId, () => this.stop(spriteId, listener))));
  }

  private async stop(spriteId: string, listener: Listener): Promise<void> {
    this.listeners.delete(spriteId);
    const closed = new Promise<void>((resolve) => listener.server.close(() => resolve()));
    listener.server.closeAllConnections();
    await closed;
    rmSync(listener.socketPath, { force: true });
  }
}

/**
 * Binds under a temporary name, opens it to every user of the sprite, then renames it into
 * place: the path never names a socket nobody answers or one a non-root user cannot use, and a
 * stale socket from an earlier server is replaced in one step.
 */
async function listen(spriteId: string, spriteDir: string, app: FastifyInstance): Promise<Server> {
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, maxHeaderSize: MAX_HEADER_BYTES }, (request, response) => {
    setCaller(request, spriteId);
    app.routing(request, response);
  });
  server.maxConnections = MAX_CONNECTIONS;
  const temporary = join(spriteDir, `.${API_SOCKET_NAME}.${process.pid}`);
  rmSync(temporary, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(temporary, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(temporary, 0o666);
  renameSync(temporary, join(spriteDir, API_SOCKET_NAME));
  return server;
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}
