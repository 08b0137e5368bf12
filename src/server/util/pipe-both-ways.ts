import type { Duplex } from 'node:stream';

/**
 * pipe() ends each side after flushing what the other sent, so the exit frame and the close
 * frame always reach the client; an error on either side cuts both.
 */
export function pipeBothWays(client: Duplex, agent: Duplex): void {
  client.pipe(agent);
  agent.pipe(client);
  const cut = (): void => {
    client.destroy();
    agent.destroy();
  };
  client.on('error', cut);
  agent.on('error', cut);
  for (const [from, to] of [[client, agent], [agent, client]] as const) {
    from.on('close', () => {
      to.end();
      setTimeout(() => to.destroy(), 5000).unref();
    });
  }
}
