import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { UpgradedSocket } from '../agent-link/link.js';
import { pipeBothWays } from '../util/pipe-both-ways.js';
import { requireWebSocket, type RelaySet, type UpgradeRequest, type UpgradeRoute } from './upgrades.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface AgentRelayRoute {
  /** The route in the router syntax of the contract. */
  path: string;
  pattern: RegExp;
  /** Checks the request and opens the agent's side (waking the sprite); throws a HobError to refuse. */
  open: (upgrade: UpgradeRequest) => Promise<UpgradedSocket>;
  redact?: (url: string) => string;
}

/**
 * A WebSocket route the agent itself serves (exec, port watch): once the agent has answered its
 * own handshake, the server answers the client's and pipes the two connections byte for byte.
 * The client's masked frames are exactly what the agent (a WebSocket server) expects and the
 * agent's frames exactly what the client expects, so no frame is parsed or copied on the way.
 */
export function agentRelayRoute(route: AgentRelayRoute, relays: RelaySet): UpgradeRoute {
  return {
    path: route.path,
    pattern: route.pattern,
    ...(route.redact === undefined ? {} : { redact: route.redact }),
    async handle(upgrade) {
      const { request, socket: client, head } = upgrade;
      const key = requireWebSocket(request);
      const agent = await route.open(upgrade);
      if (client.destroyed) {
        agent.socket.destroy();
        return;
      }
      const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
      client.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      relays.track(client, agent.socket);
      for (const socket of [client, agent.socket]) {
        (socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); // net.Socket has it; other Duplexes do not
      }
      if (agent.head.length > 0) client.write(agent.head);
      if (head.length > 0) agent.socket.write(head);
      pipeBothWays(client, agent.socket);
    },
  };
}
