import { Agent, createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { endToEndHeaders } from '../../util/hop-by-hop.js';
import { pipeBothWays } from '../../util/pipe-both-ways.js';
import { normalizeName } from '../policy/rules.js';
import { MAX_CLIENT_HELLO_BYTES, readClientHello } from './client-hello.js';

/** The ports whose connections carry a name Hob reads: plain HTTP and TLS. */
export const NAME_CHECKED_PORTS = { http: 80, tls: 443 } as const;
export type CheckedProtocol = keyof typeof NAME_CHECKED_PORTS;

/** A client that has not said which name it wants by then is dropped. */
const FIRST_BYTES_TIMEOUT_MS = 10_000;
const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;
/** A fatal TLS alert, access_denied (RFC 8446 §6): the client reports it instead of a bare reset. */
const TLS_ACCESS_DENIED = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x31]);

/** What the sprite's policy says of a name a connection carries. */
export type Verdict = { address: string } | { refusal: string };

export interface NameCheckGate {
  /** Where a connection for `name` may go (an address the name resolved to for this sprite), or why it may not. */
  route(spriteId: string, name: string): Verdict;
  /** Whether the sprite's policy still allows `name` (after a change). */
  allows(spriteId: string, name: string): boolean;
}

/** One connection the proxy carries, with every name it was let through for. */
interface Carried {
  names: Set<string>;
  cut(): void;
}

interface SpriteProxy {
  id: string;
  gateway: string;
  servers: Record<CheckedProtocol, Server>;
  ports: Record<CheckedProtocol, number>;
  carried: Set<Carried>;
  /** Keeps connections to the sprite's destinations open between requests. */
  agent: Agent;
}

/**
 * The name check on HTTP and TLS ports. For a sprite with a policy, nftables redirects its new
 * connections to port 80 and 443 of addresses its allowed names resolved to here (one listener
 * pair per sprite, on its gateway). Each is let through only for a name the policy allows,
 * read from every HTTP request's Host or the TLS ClientHello's server name, and goes to an
 * address that name resolved to for the sprite. So a denied name that shares an address with
 * an allowed one (a CDN, a gateway) stays out. Onward connections leave from `source`, an
 * address of their own, where the output fence holds them to the same ranges as the sprites.
 */
export class NameCheckProxy {
  private readonly sprites = new Map<string, SpriteProxy>();
  /** The sprite each accepted socket came from, and what it carries. */
  private readonly accepted = new WeakMap<Socket, { proxy: SpriteProxy; carried: Carried }>();
  private readonly http = createHttpServer({ requestTimeout: 0, headersTimeout: FIRST_BYTES_TIMEOUT_MS });

  constructor(
    private readonly gate: NameCheckGate,
    private readonly source: string,
    private readonly log: Logger,
  ) {
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => this.forwardRequest(req, res));
    // The upgrade's socket is req.socket, the net.Socket acceptHttp gave the server.
    this.http.on('upgrade', (req: IncomingMessage, _socket: Duplex, head: Buffer) => this.forwardUpgrade(req, head));
    this.http.on('clientError', (_error, socket: Duplex) => socket.destroy());
  }

  /** Listens for a sprite on its gateway (idempotent) and returns the ports to redirect to. */
  async listen(spriteId: string, gateway: string): Promise<Record<CheckedProtocol, number>> {
    const existing = this.sprites.get(spriteId);
    if (existing !== undefined) return existing.ports;
    const servers = {
      http: createServer((socket) => this.acceptHttp(proxy, socket)),
      // A client that is done sending still gets the whole answer.
      tls: createServer({ allowHalfOpen: true }, (socket) => this.acceptTls(proxy, socket)),
    };
    const proxy: SpriteProxy = { id: spriteId, gateway, servers, ports: { http: 0, tls: 0 }, carried: new Set(), agent: new Agent({ keepAlive: true, localAddress: this.source }) };
    try {
      for (const protocol of ['http', 'tls'] as const) proxy.ports[protocol] = await listenOn(servers[protocol], gateway);
    } catch (error) {
      await closeProxy(proxy);
      throw error;
    }
    this.sprites.set(spriteId, proxy);
    return proxy.ports;
  }

  /** Cuts every carried connection whose name the sprite's policy no longer allows. */
  recheck(spriteId: string): void {
    const proxy = this.sprites.get(spriteId);
    if (proxy === undefined) return;
    for (const carried of proxy.carried) {
      if ([...carried.names].some((name) => !this.gate.allows(spriteId, name))) carried.cut();
    }
  }

  /** Stops listening for a sprite and cuts what it has open. */
  async close(spriteId: string): Promise<void> {
    const proxy = this.sprites.get(spriteId);
    if (proxy === undefined) return;
    this.sprites.delete(spriteId);
    await closeProxy(proxy);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sprites.keys()].map((id) => this.close(id)));
  }

  private acceptHttp(proxy: SpriteProxy, socket: Socket): void {
    this.track(proxy, socket);
    this.http.emit('connection', socket);
  }

  private forwardRequest(req: IncomingMessage, res: ServerResponse): void {
    const owner = this.accepted.get(req.socket);
    if (owner === undefined) return void res.destroy();
    const verdict = this.check(owner.proxy, req.headers.host, 'http');
    if ('refusal' in verdict) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`Hob: ${verdict.refusal}\n`);
      return;
    }
    owner.carried.names.add(verdict.name);
    const upstream = request({
      host: verdict.address,
      port: NAME_CHECKED_PORTS.http,
      method: req.method,
      path: req.url,
      headers: endToEndHeaders(req, { keepFraming: true, keepUpgrade: false }),
      setHost: false,
      agent: owner.proxy.agent,
      timeout: UPSTREAM_CONNECT_TIMEOUT_MS,
    });
    upstream.once('socket', (socket) => socket.setTimeout(0));
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer from ${verdict.address}`)));
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer, { keepFraming: false, keepUpgrade: false }));
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end(`Hob: cannot reach ${verdict.name} at ${verdict.address}: ${error.message}\n`);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  private forwardUpgrade(req: IncomingMessage, head: Buffer): void {
    const socket = req.socket;
    const owner = this.accepted.get(socket);
    if (owner === undefined) return void socket.destroy();
    socket.on('error', () => socket.destroy());
    const verdict = this.check(owner.proxy, req.headers.host, 'http');
    if ('refusal' in verdict) {
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\nHob: ${verdict.refusal}\n`);
      return;
    }
    owner.carried.names.add(verdict.name);
    const headers = endToEndHeaders(req, { keepFraming: true, keepUpgrade: true });
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
    for (let i = 0; i + 1 < headers.length; i += 2) lines.push(`${headers[i] ?? ''}: ${headers[i + 1] ?? ''}`);
    this.dial(owner.proxy, verdict.address, NAME_CHECKED_PORTS.http, socket, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]));
  }

  private acceptTls(proxy: SpriteProxy, socket: Socket): void {
    const carried = this.track(proxy, socket);
    socket.on('error', () => socket.destroy());
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    let hello = Buffer.alloc(0);
    const onData = (data: Buffer): void => {
      hello = Buffer.concat([hello, data]);
      const reading = readClientHello(hello);
      if (reading.kind === 'incomplete' && hello.length <= MAX_CLIENT_HELLO_BYTES) return;
      socket.off('data', onData);
      socket.pause();
      socket.setTimeout(0);
      if (reading.kind !== 'name') {
        socket.end(TLS_ACCESS_DENIED);
        this.log.debug({ sprite: proxy.id, reading: reading.kind }, 'TLS connection without a server name refused');
        return;
      }
      const verdict = this.check(proxy, reading.name, 'tls');
      if ('refusal' in verdict) {
        socket.end(TLS_ACCESS_DENIED);
        return;
      }
      carried.names.add(verdict.name);
      this.dial(proxy, verdict.address, NAME_CHECKED_PORTS.tls, socket, hello);
    };
    socket.on('data', onData);
  }

  /** Opens the onward connection from the sprite's gateway, sends what was read already, then pipes. */
  private dial(proxy: SpriteProxy, address: string, port: number, socket: Socket, first: Buffer): void {
    const upstream = connect({ host: address, port, localAddress: this.source, timeout: UPSTREAM_CONNECT_TIMEOUT_MS, allowHalfOpen: true });
    const giveUp = (): void => void upstream.destroy();
    socket.once('close', giveUp);
    upstream.once('timeout', () => upstream.destroy());
    upstream.once('error', () => socket.destroy());
    upstream.once('connect', () => {
      socket.off('close', giveUp);
      upstream.setTimeout(0);
      upstream.setNoDelay(true);
      socket.setNoDelay(true);
      upstream.write(first);
      pipeBothWays(socket, upstream);
      socket.resume();
    });
  }

  /** The policy's verdict on the name a connection carries (a Host header, or a server name). */
  private check(proxy: SpriteProxy, carried: string | undefined, protocol: CheckedProtocol): { address: string; name: string } | { refusal: string } {
    const name = protocol === 'http' ? hostOfHeader(carried) : carried;
    if (name === undefined || name === '') return { refusal: 'a request without a host name is not allowed by this sprite’s network policy' };
    if (isIP(name) !== 0) return { refusal: `a request by address (${name}) is not allowed by this sprite’s network policy; use a host name it allows` };
    const normalized = normalizeName(name);
    const verdict = this.gate.route(proxy.id, normalized);
    if ('refusal' in verdict) this.log.info({ sprite: proxy.id, name: normalized, protocol }, 'name check refused a connection');
    return 'refusal' in verdict ? verdict : { address: verdict.address, name: normalized };
  }

  private track(proxy: SpriteProxy, socket: Socket): Carried {
    const carried: Carried = { names: new Set(), cut: () => socket.destroy() };
    this.accepted.set(socket, { proxy, carried });
    proxy.carried.add(carried);
    socket.once('close', () => proxy.carried.delete(carried));
    return carried;
  }
}

/** The host of a Host header, without its port and IPv6 brackets. */
function hostOfHeader(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const bracketed = /^\[([^\]]*)\]/.exec(host);
  if (bracketed !== null) return bracketed[1];
  return host.replace(/:\d*$/, '').trim();
}

async function listenOn(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve());
  });
  return (server.address() as AddressInfo).port; // a TCP server that listens
}

async function closeProxy(proxy: SpriteProxy): Promise<void> {
  for (const carried of proxy.carried) carried.cut();
  proxy.agent.destroy();
  await Promise.all(Object.values(proxy.servers).map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
}
