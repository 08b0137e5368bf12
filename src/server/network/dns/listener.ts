import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { MAX_DNS_MESSAGE_BYTES, type DnsAnswerer } from './upstream.js';

/** A query shorter than its header is not one. */
const DNS_HEADER_BYTES = 12;
/** A client that sends nothing for this long is dropped (TCP). */
const TCP_IDLE_MS = 10_000;
const DNS_PORT = 53;

/**
 * Hob's DNS forwarder: UDP and TCP port 53 on each sprite's gateway address (the host end of its
 * link), so the address a query arrives on says which sprite asked; the fences let a sprite
 * reach its own gateway on port 53 and nothing else of the host.
 */
export class DnsForwarder {
  private readonly listeners = new Map<string, { udp: UdpSocket; tcp: Server; connections: Set<Socket> }>();

  constructor(
    private readonly answerer: DnsAnswerer,
    private readonly log: Logger,
  ) {}

  /** Listens on `gateway` for `spriteId`; already listening is fine. */
  async listen(spriteId: string, gateway: string): Promise<void> {
    if (this.listeners.has(spriteId)) return;
    const udp = createSocket({ type: 'udp4' });
    const connections = new Set<Socket>();
    const tcp = createServer((socket) => this.serveTcp(spriteId, socket, connections));
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: gateway, port: DNS_PORT, exclusive: true }, () => resolve());
      });
      udp.on('error', (error) => this.log.warn({ err: error, sprite: spriteId }, 'DNS forwarder socket error'));
      udp.on('message', (query, from) => {
        if (query.length < DNS_HEADER_BYTES) return;
        this.answer(spriteId, query, 'udp').then(
          (reply) => {
            if (reply !== undefined && !this.isClosed(udp)) udp.send(reply, from.port, from.address);
          },
          () => undefined,
        );
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: gateway, port: DNS_PORT, exclusive: true }, () => resolve());
      });
    } catch (error) {
      udp.close();
      tcp.close();
      throw error;
    }
    this.listeners.set(spriteId, { udp, tcp, connections });
  }

  /** Stops listening for a sprite and drops its open TCP queries. */
  async close(spriteId: string): Promise<void> {
    const listener = this.listeners.get(spriteId);
    if (listener === undefined) return;
    this.listeners.delete(spriteId);
    for (const socket of listener.connections) socket.destroy();
    await Promise.all([new Promise<void>((resolve) => listener.udp.close(() => resolve())), new Promise<void>((resolve) => listener.tcp.close(() => resolve()))]);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((id) => this.close(id)));
  }

  listening(spriteId: string): boolean {
    return this.listeners.has(spriteId);
  }

  private isClosed(udp: UdpSocket): boolean {
    return ![...this.listeners.values()].some((listener) => listener.udp === udp);
  }

  private answer(spriteId: string, query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    return this.answerer.answer(query, { spriteId, transport });
  }

  /** TCP DNS: messages with a 16-bit length prefix, answered in order, several per connection. */
  private serveTcp(spriteId: string, socket: Socket, connections: Set<Socket>): void {
    connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + query.length);
        if (query.length < DNS_HEADER_BYTES) {
          socket.destroy();
          return;
        }
        chain = chain.then(async () => {
          const reply = await this.answer(spriteId, query, 'tcp').catch(() => undefined);
          if (reply === undefined || reply.length > MAX_DNS_MESSAGE_BYTES || socket.destroyed) return;
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          socket.write(framed);
        });
      }
    });
  }
}
