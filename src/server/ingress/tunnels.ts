import { Agent, type AgentOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpgradedSocket } from '../agent-link/link.js';

/** Opens a raw TCP connection to a port inside one sprite (through its agent). */
export type OpenTunnel = (sprite: string, port: number) => Promise<UpgradedSocket>;

/**
 * An HTTP agent whose connections are tunnels through a sprite's agent: keep-alive reuses a
 * tunnel for the next request, so a page's many requests pay for one dial, not one each.
 * Node's Agent accepts a connection given later through the callback of createConnection.
 */
class TunnelAgent extends Agent {
  constructor(
    private readonly sprite: string,
    readonly port: number,
    private readonly open: OpenTunnel,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(_options: unknown, callback: (error: Error | null, socket?: Duplex) => void): undefined {
    this.open(this.sprite, this.port).then(
      ({ socket, head }) => {
        if (head.length > 0) socket.unshift(head);
        callback(null, socket);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
    return undefined;
  }
}

/** How long an unused tunnel is kept for the next request; an idle sprite is then not held open. */
const IDLE_TUNNEL_MS = 15_000;

/**
 * One keep-alive pool per sprite, for the port its URL goes to; its tunnels end when the sprite's
 * agent does. When the port changes (a service got an http_port), the old pool's idle tunnels are
 * closed, so no request reaches the old port through a kept connection.
 */
export class TunnelPools {
  private readonly agents = new Map<string, TunnelAgent>();

  constructor(private readonly open: OpenTunnel) {}

  agentFor(sprite: string, port: number): Agent {
    let agent = this.agents.get(sprite);
    if (agent !== undefined && agent.port !== port) {
      agent.destroy();
      agent = undefined;
    }
    if (agent === undefined) {
      // The timeout applies to idle tunnels only: each request turns it off while it runs.
      agent = new TunnelAgent(sprite, port, this.open, { keepAlive: true, maxFreeSockets: 32, scheduling: 'lifo', timeout: IDLE_TUNNEL_MS });
      this.agents.set(sprite, agent);
    }
    return agent;
  }

  destroyAll(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
