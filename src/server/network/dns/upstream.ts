import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { isIPv4, isIPv6 } from 'node:net';

/** A resolver the forwarder asks. */
export interface Upstream {
  host: string;
  port: number;
}

export type DnsTransport = 'udp' | 'tcp';

/**
 * Answers one DNS message (the bytes of a query, without TCP's length prefix). The forwarder
 * asks this for every query of a sprite; a name policy would wrap it (answering REFUSED, or
 * recording the addresses an allowed name resolved to before passing the answer on).
 */
export interface DnsAnswerer {
  answer(query: Buffer, context: { spriteId: string; transport: DnsTransport }): Promise<Buffer | undefined>;
}

const UPSTREAM_TIMEOUT_MS = 4000;
/** A DNS message over TCP is at most this long (its length prefix is 16 bits). */
export const MAX_DNS_MESSAGE_BYTES = 65535;

/** The nameservers of a resolv.conf (the host's own resolvers). */
export function resolversOf(path = '/etc/resolv.conf'): Upstream[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)]
    .map((match) => match[1] ?? '')
    .filter((host) => isIPv4(host) || isIPv6(host))
    .map((host) => ({ host, port: 53 }));
}

/** Passes each query to the upstreams in order, over the transport the sprite used, until one answers. */
export class UpstreamAnswerer implements DnsAnswerer {
  constructor(private readonly upstreams: readonly Upstream[]) {}

  async answer(query: Buffer, context: { transport: DnsTransport }): Promise<Buffer | undefined> {
    for (const upstream of this.upstreams) {
      const reply = await (context.transport === 'udp' ? askUdp(upstream, query) : askTcp(upstream, query)).catch(() => undefined);
      if (reply !== undefined) return reply;
    }
    return undefined;
  }
}

/** A fresh socket per query: its random source port is the query's only defence against spoofed answers. */
function askUdp(upstream: Upstream, query: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(upstream.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(undefined), UPSTREAM_TIMEOUT_MS);
    const finish = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.on('message', (reply, from) => {
      // Only the resolver asked, answering this query's id.
      if (from.address === upstream.host && from.port === upstream.port && reply.length >= 2 && reply.readUInt16BE(0) === query.readUInt16BE(0)) finish(reply);
    });
    socket.send(query, upstream.port, upstream.host);
  });
}

function askTcp(upstream: Upstream, query: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: upstream.host, port: upstream.port });
    socket.setTimeout(UPSTREAM_TIMEOUT_MS, () => socket.destroy(new Error('upstream timed out')));
    const framed = Buffer.alloc(2 + query.length);
    framed.writeUInt16BE(query.length, 0);
    query.copy(framed, 2);
    let received = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(undefined));
    socket.end(framed);
  });
}
