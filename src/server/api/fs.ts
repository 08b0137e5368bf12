import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { HobError } from '../../shared/errors.js';
import { parseOctalMode, type FsRequest } from '../../shared/fs-request.js';
import { FsChmodResult, FsChownResult, FsCopyResult, FsDeleteResult, FsList, FsRenameResult, FsUnpackResult, FsWriteResult } from '../../shared/schemas/fs.js';
import { routes } from '../../shared/schemas/routes.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { acceptRawBodies } from './body.js';
import { clientGoneSignal } from './client-gone.js';
import { routeOptions } from './contract.js';
import { callFs, fsUser, readAnswer, streamFs } from './fs-agent.js';

interface Deps {
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
}

/** The part every file operation shares: whom it acts as and where relative paths start. */
interface Acting {
  workingDir?: string | undefined;
  asRoot?: boolean | undefined;
  user?: string | undefined;
}

/**
 * The filesystem API of the Sprites SDK (`sprite.filesystem()`), plus Hob's tar routes for
 * `hob cp`. The server only checks the request and names the account; the sprite's agent
 * resolves the paths and does the work inside the sprite, so no path is ever looked up on
 * this host. Bodies stream both ways, so no file is ever held in memory here.
 */
export function registerFsRoutes(app: FastifyInstance, deps: Deps): void {
  const { registry, lifecycle } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = (name: string, acting: Acting) => ({ user: fsUser(registry.get(name), acting), workingDir: acting.workingDir ?? '/' });

  api.get(routes.fsList.path, routeOptions(routes.fsList), async (request, reply) => {
    const { path, recursive, pattern } = request.query;
    const op: FsRequest = { ...common(request.params.name, request.query), op: 'list', path, recursive: recursive === true, ...(pattern === undefined ? {} : { pattern }) };
    return callFs(lifecycle, request.params.name, op, FsList, clientGoneSignal(reply));
  });

  api.delete(routes.fsDelete.path, routeOptions(routes.fsDelete), async (request, reply) => {
    const op: FsRequest = { ...common(request.params.name, request.query), op: 'delete', path: request.query.path, recursive: request.query.recursive === true };
    return callFs(lifecycle, request.params.name, op, FsDeleteResult, clientGoneSignal(reply));
  });

  api.post(routes.fsRename.path, routeOptions(routes.fsRename), async (request, reply) => {
    const { source, dest } = request.body;
    const op: FsRequest = { ...common(request.params.name, request.body), op: 'rename', source, dest };
    return callFs(lifecycle, request.params.name, op, FsRenameResult, clientGoneSignal(reply));
  });

  api.post(routes.fsCopy.path, routeOptions(routes.fsCopy), async (request, reply) => {
    const { source, dest, recursive, preserveAttrs } = request.body;
    const op: FsRequest = { ...common(request.params.name, request.body), op: 'copy', source, dest, recursive: recursive === true, preserveAttrs: preserveAttrs === true };
    return callFs(lifecycle, request.params.name, op, FsCopyResult, clientGoneSignal(reply));
  });

  api.post(routes.fsChmod.path, routeOptions(routes.fsChmod), async (request, reply) => {
    const { path, mode, recursive } = request.body;
    const op: FsRequest = { ...common(request.params.name, request.body), op: 'chmod', path, mode: parseOctalMode(mode), recursive: recursive === true };
    return callFs(lifecycle, request.params.name, op, FsChmodResult, clientGoneSignal(reply));
  });

  api.post(routes.fsChown.path, routeOptions(routes.fsChown), async (request, reply) => {
    const { path, uid, gid, recursive } = request.body;
    if (uid === undefined && gid === undefined) throw new HobError('bad_request', 'chown needs uid, gid or both');
    const op: FsRequest = { ...common(request.params.name, request.body), op: 'chown', path, recursive: recursive === true, ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) };
    return callFs(lifecycle, request.params.name, op, FsChownResult, clientGoneSignal(reply));
  });

  /** The file's bytes, piped from the agent as they come; Content-Length when the file has a size. */
  // No HEAD: fastify would answer it by reading the whole file and dropping it.
  api.get(routes.fsRead.path, { ...routeOptions(routes.fsRead), exposeHeadRoute: false }, async (request, reply) => {
    const { name } = request.params;
    const op: FsRequest = { ...common(name, request.query), op: 'read', path: request.query.path };
    const answer = await streamFs(lifecycle, name, op, undefined, clientGoneSignal(reply));
    lifecycle.holdWhileOpen(name, reply.raw);
    const length = answer.headers['content-length'];
    void reply.header('content-type', 'application/octet-stream');
    if (length !== undefined && /^\d{1,16}$/.test(length)) void reply.header('content-length', length);
    return reply.send(answer);
  });

  /** A directory as a tar stream, with how many bytes its files hold (for a progress bar). */
  api.get(routes.fsPack.path, { ...routeOptions(routes.fsPack), exposeHeadRoute: false }, async (request, reply) => {
    const { name } = request.params;
    const op: FsRequest = { ...common(name, request.query), op: 'pack', path: request.query.path };
    const answer = await streamFs(lifecycle, name, op, undefined, clientGoneSignal(reply));
    lifecycle.holdWhileOpen(name, reply.raw);
    const total = answer.headers['x-hob-total-bytes'];
    void reply.header('content-type', 'application/octet-stream');
    if (typeof total === 'string' && /^\d{1,16}$/.test(total)) void reply.header('x-hob-total-bytes', total);
    return reply.send(answer);
  });

  // Uploads stream to the agent as they arrive, so they get a context without the JSON parser and without a size limit (the sprite's disk is the limit).
  void app.register((rawContext, _options, done) => {
    acceptRawBodies(rawContext);
    const raw = rawContext.withTypeProvider<TypeBoxTypeProvider>();

    raw.put(routes.fsWrite.path, routeOptions(routes.fsWrite), async (request, reply) => {
      const { name } = request.params;
      const { path, mode, mkdirParents } = request.query;
      const op: FsRequest = { ...common(name, request.query), op: 'write', path, mkdirParents: mkdirParents === true, ...(mode === undefined ? {} : { mode: parseOctalMode(mode) }) };
      const answer = await streamFs(lifecycle, name, op, request.body as Readable | undefined, clientGoneSignal(reply)); // the raw parser passes the request stream
      return readAnswer(answer, FsWriteResult, '/fs/write');
    });

    raw.put(routes.fsUnpack.path, routeOptions(routes.fsUnpack), async (request, reply) => {
      const { name } = request.params;
      if (request.body === undefined) throw new HobError('bad_request', 'send a tar archive as the request body');
      const op: FsRequest = { ...common(name, request.query), op: 'unpack', path: request.query.path };
      const answer = await streamFs(lifecycle, name, op, request.body as Readable, clientGoneSignal(reply)); // the raw parser passes the request stream
      return readAnswer(answer, FsUnpackResult, '/fs/archive');
    });
    done();
  });
}
