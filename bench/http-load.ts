/** Small HTTP/1.1 clients for the URL bench: one keep-alive GET, and a closed loop of them for requests/s. */
import { Agent, request } from 'node:http';
import type { Duplex } from 'node:stream';

/** Where the GETs go: an address and port, and the headers that pick the sprite (Host, token). */
export interface HttpTarget {
  host: string;
  port: number;
  headers: Record<string, string>;
}

/** A GET of `/` read to its end; fails unless it answers 200. Resolves with whether it reused a kept-alive connection. */
export function get(target: HttpTarget, agent: Agent): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.host, port: target.port, path: '/', headers: target.headers, agent });
    req.on('response', (res) => {
      res.on('data', () => undefined);
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode === 200) resolve(req.reusedSocket);
        else reject(new Error(`GET http://${target.host}:${target.port}/ answered ${String(res.statusCode)}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export function keepAliveAgent(connections: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections });
}

/**
 * A keep-alive agent whose connections are TCP tunnels through a sprite's agent, opened on its
 * unix socket with the `/tcp` upgrade exactly as Hob's ingress opens them: the sprite's URL
 * without Hob's server.
 */
export class AgentTunnelAgent extends Agent {
  constructor(
    private readonly agentSocket: string,
    private readonly port: number,
  ) {
    super({ keepAlive: true, maxSockets: 1 });
  }

  override createConnection(_options: unknown, callback: (error: Error | null, socket?: Duplex) => void): undefined {
    const req = request({ socketPath: this.agentSocket, host: 'agent', path: `/tcp?host=127.0.0.1&port=${this.port}`, headers: { Connection: 'Upgrade', Upgrade: 'tcp' } });
    req.on('upgrade', (_res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      callback(null, socket);
    });
    req.on('response', (res) => {
      res.resume();
      callback(new Error(`the agent refused the tunnel with HTTP ${String(res.statusCode)}`));
    });
    req.on('error', (error) => callback(error));
    req.end();
    return undefined;
  }
}

/**
 * Requests per second over `connections` kept-alive connections, each sending its next GET as
 * soon as the previous answer has been read, for `durationMs`.
 */
export async function requestsPerSecond(target: HttpTarget, connections: number, durationMs: number): Promise<number> {
  const agent = keepAliveAgent(connections);
  try {
    let done = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          await get(target, agent);
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  } finally {
    agent.destroy();
  }
}
