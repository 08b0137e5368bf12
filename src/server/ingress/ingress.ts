import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { agentServices } from '../agent-link/services.js';
import { pipeBothWays } from '../util/pipe-both-ways.js';
import { refusalHeaders, toHobError } from '../api/errors.js';
import { refuse, type RelaySet } from '../api/upgrades.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import type { Principal, TokenStore } from '../store/tokens.js';
import { covers } from '../api/scope.js';
import { requestHeadersForSprite, responseHeadersForClient } from './headers.js';
import { spriteOfHost } from './host.js';
import { safeNext, SIGNIN_COOKIE, SIGNIN_PATH, signinPage, SigninCookies, takeCookie } from './signin.js';
import { TunnelPools } from './tunnels.js';

/** The port a sprite's URL reaches inside it unless one of its services has an http_port. */
export const SPRITE_HTTP_PORT = 8080;
/** The sign-in form is a token and a path; anything longer is not a sign-in. */
const MAX_SIGNIN_BODY_BYTES = 8192;

export interface IngressDeps {
  baseDomain: string;
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  tokens: TokenStore;
  /** Key of the sign-in cookies' HMAC. */
  signinKey: Buffer;
  relays: RelaySet;
  log: Logger;
}

interface Admission {
  /** The Authorization header carried Hob's token: it is not passed on. */
  dropAuthorization: boolean;
  /** The Cookie header without Hob's sign-in cookie. */
  cookie: string | undefined;
}

/**
 * Sprite URLs: a request whose Host is `<name>.<base-domain>` goes to port 8080 inside that
 * sprite, or to its service's http_port, through a TCP tunnel its agent dials (waking the sprite
 * first), with keep-alive, bodies streamed both ways and WebSocket upgrades passed on. This runs
 * before the API's router and auth: a sprite host is never the API. The port is asked of the
 * agent once per boot and kept with its link (agent-link/services.ts), so a request costs no
 * extra round trip; a service created or deleted through this server, a restore or a fork
 * (both boot the sprite) is seen at the next request.
 */
export class Ingress {
  private readonly cookies: SigninCookies;
  private readonly pools: TunnelPools;

  constructor(private readonly deps: IngressDeps) {
    this.cookies = new SigninCookies(deps.signinKey, deps.tokens);
    this.pools = new TunnelPools((sprite, port) => this.openTunnel(sprite, port));
  }

  /** The sprite a request is for, or undefined if it is for the API. */
  spriteOf(req: IncomingMessage): string | undefined {
    return spriteOfHost(req.headers.host, this.deps.baseDomain);
  }

  handleRequest(sprite: string, req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => res.destroy());
    try {
      const path = new URL(req.url ?? '/', 'http://sprite').pathname;
      if (path === SIGNIN_PATH) {
        this.signin(sprite, req, res);
        return;
      }
      const admission = this.admit(sprite, req);
      if (admission === undefined) {
        this.refuseUnauthorized(sprite, req, res);
        return;
      }
      this.forward(sprite, req, res, admission);
    } catch (error) {
      this.sendError(res, error);
    }
  }

  handleUpgrade(sprite: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const run = async (): Promise<void> => {
      const admission = this.admit(sprite, req);
      if (admission === undefined) throw this.unauthorized(sprite);
      const port = await this.portOf(sprite);
      const tunnel = await this.openTunnel(sprite, port).catch((error: unknown) => {
        throw this.explain(sprite, port, error);
      });
      if (socket.destroyed) {
        tunnel.socket.destroy();
        return;
      }
      const headers = requestHeadersForSprite(req, { ...admission, upgrade: true });
      const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
      for (let i = 0; i + 1 < headers.length; i += 2) lines.push(`${headers[i] ?? ''}: ${headers[i + 1] ?? ''}`);
      tunnel.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) tunnel.socket.write(head);
      if (tunnel.head.length > 0) socket.write(tunnel.head);
      this.deps.relays.track(socket, tunnel.socket);
      this.deps.lifecycle.holdWhileOpen(sprite, tunnel.socket);
      pipeBothWays(socket, tunnel.socket);
    };
    void run().catch((error: unknown) => {
      const hobError = error instanceof HobError ? error : toHobError(error);
      if (!socket.destroyed) refuse(socket, hobError);
    });
  }

  close(): void {
    this.pools.destroyAll();
  }

  private openTunnel(sprite: string, port: number) {
    return this.deps.lifecycle.withAgent(sprite, (link) => link.openTcp('127.0.0.1', port));
  }

  /** Where the sprite's URL goes inside it, waking it to ask if need be. */
  private portOf(sprite: string): Promise<number> {
    return this.deps.lifecycle.withAgent(sprite, async (link) => (await agentServices.httpPort(link)) ?? SPRITE_HTTP_PORT);
  }

  /**
   * Who may pass: everyone for `public`, else an API token or sign-in cookie whose scope covers
   * the sprite (a read-only token: for GET and HEAD only). Undefined if refused.
   */
  private admit(sprite: string, req: IncomingMessage): Admission | undefined {
    const record = this.deps.registry.get(sprite);
    const { values, rest } = takeCookie(req.headers.cookie, SIGNIN_COOKIE);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const principal = bearer === undefined ? undefined : this.deps.tokens.principal(bearer);
    // Any valid API token is kept from the sprite, whether or not it opens this one.
    const admission = { dropAuthorization: principal !== undefined, cookie: rest };
    if (record.urlSettings.auth === 'public') return admission;
    const admits = (candidate: Principal) => covers(candidate, record) && (!candidate.readOnly || req.method === 'GET' || req.method === 'HEAD');
    if ((principal !== undefined && admits(principal)) || values.some((value) => this.cookies.verify(sprite, value, admits))) return admission;
    return undefined;
  }

  private unauthorized(sprite: string): HobError {
    return new HobError('unauthorized', `sprite ${sprite}'s URL needs an API token (Authorization: Bearer <token>) or a sign-in at ${SIGNIN_PATH}`);
  }

  /** Browsers get the sign-in page; everything else the JSON error. Both are 401. */
  private refuseUnauthorized(sprite: string, req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
      this.sendHtml(res, 401, signinPage(sprite, safeNext(req.url)));
      return;
    }
    this.sendError(res, this.unauthorized(sprite));
  }

  private signin(sprite: string, req: IncomingMessage, res: ServerResponse): void {
    this.deps.registry.get(sprite);
    const next = safeNext(new URL(req.url ?? '/', 'http://sprite').searchParams.get('next'));
    if (req.method === 'GET') {
      this.sendHtml(res, 200, signinPage(sprite, next));
      return;
    }
    if (req.method !== 'POST') throw new HobError('method_not_allowed', `${SIGNIN_PATH} takes GET or POST`);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_SIGNIN_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const target = safeNext(form.get('next'));
      const token = form.get('token') ?? '';
      const principal = this.deps.tokens.principal(token);
      const record = this.deps.registry.store.getByName(sprite);
      const cookie = principal !== undefined && record !== undefined && covers(principal, record) ? this.cookies.issue(sprite, token) : undefined;
      if (cookie === undefined) {
        this.sendHtml(res, 401, signinPage(sprite, target, 'That is not a valid API token.'));
        return;
      }
      res.writeHead(303, { Location: target, 'Set-Cookie': cookie, 'Content-Length': 0, 'Cache-Control': 'no-store' });
      res.end();
    });
  }

  /**
   * Passes one request on through the sprite's pool of tunnels to its port, waking it first (a
   * warm sprite's pooled tunnels lead to a frozen agent) and asking its port of its agent then.
   */
  private forward(sprite: string, req: IncomingMessage, res: ServerResponse, admission: Admission): void {
    this.deps.lifecycle.holdWhileOpen(sprite, res);
    this.portOf(sprite).then(
      (port) => this.send(sprite, port, req, res, admission),
      (error: unknown) => this.sendError(res, error),
    );
  }

  private send(sprite: string, port: number, req: IncomingMessage, res: ServerResponse, admission: Admission): void {
    const upstream = httpRequest({
      agent: this.pools.agentFor(sprite, port),
      method: req.method,
      path: req.url,
      headers: requestHeadersForSprite(req, { ...admission, upgrade: false }),
      setHost: false,
    });
    upstream.setTimeout(0);
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeadersForClient(answer));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) this.sendError(res, this.explain(sprite, port, error));
      else res.destroy();
    });
    // A client that goes away mid-answer takes the sprite's side with it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  /** Failures to reach the sprite's port name the sprite and the port. */
  private explain(sprite: string, port: number, error: unknown): HobError {
    // Anything not already a HobError came from the tunnel itself (a reset, a hang-up).
    const hobError = error instanceof HobError ? error : new HobError('agent_error', error instanceof Error ? error.message : String(error));
    if (hobError.code !== 'agent_error') return hobError;
    const fix = port === SPRITE_HTTP_PORT ? `start an HTTP server on port ${port} inside the sprite, or give a service an http_port` : 'check that its service with this http_port is running and listens on it';
    return new HobError('agent_error', `sprite ${sprite}: port ${port} did not answer (${hobError.message}); ${fix}`);
  }

  private sendError(res: ServerResponse, error: unknown): void {
    const hobError = error instanceof HobError ? error : toHobError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(hobError.toBody());
    res.writeHead(hobError.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...refusalHeaders(hobError) });
    res.end(body);
  }

  private sendHtml(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
    res.end(html);
  }
}
