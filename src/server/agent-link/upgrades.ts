import { randomBytes } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { encodeExecQuery, type ExecRequest } from '../../shared/exec-request.js';
import { refusal } from './answers.js';
import { agentConnectError, type AgentTransport } from './transport.js';

/** Connections to an agent over a transport: plain requests, and the upgrades the relays and HTTP exec use. */

export const EXEC_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Largest WebSocket message taken from an agent on HTTP exec (it frames its output far smaller). */
const MAX_AGENT_MESSAGE_BYTES = 1024 * 1024;

/** A raw upgraded connection to the agent (an exec, a port watch, a TCP dial): the relay pipes it byte for byte. */
export interface UpgradedSocket {
  socket: Duplex;
  /** Bytes the agent sent right after its handshake, to be passed on first. */
  head: Buffer;
}

/** A request on a fresh stream of the transport; nothing is pooled. */
export function agentRequest(transport: AgentTransport, path: string, options: { method?: string; headers: Record<string, string | number> }): ClientRequest {
  return request({
    // With createConnection and no agent, Node pools nothing: each request gets a fresh stream
    // from the transport, which for a unix socket is pinned to exactly the socket it checked.
    createConnection: () => transport.connect(),
    host: 'agent',
    path,
    method: options.method ?? 'GET',
    headers: options.headers,
  });
}

/** A WebSocket handshake with the agent, answered by the upgraded socket itself (the relay speaks the protocol, not this link). */
export function openRawUpgrade(transport: AgentTransport, path: string, what: string): Promise<UpgradedSocket> {
  return new Promise((resolve, reject) => {
    const req = agentRequest(transport, path, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    req.setTimeout(EXEC_HANDSHAKE_TIMEOUT_MS, () => req.destroy(new Error(`the agent did not answer the ${what} handshake in time`)));
    req.on('upgrade', (_res, socket, head) => resolve({ socket, head }));
    req.on('response', (res) => void refusal(res, what).then(reject));
    req.on('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
    req.end();
  });
}

/**
 * Opens a TCP connection dialled by the agent inside the sprite (so its loopback is reachable)
 * and hands back the raw stream; a dial that fails is refused with the agent's message, which
 * names host:port.
 */
export function openTcpDial(transport: AgentTransport, host: string, port: number): Promise<UpgradedSocket> {
  return new Promise((resolve, reject) => {
    const query = new URLSearchParams({ host, port: String(port) });
    const req = agentRequest(transport, `/tcp?${query.toString()}`, { headers: { Connection: 'Upgrade', Upgrade: 'tcp' } });
    req.setTimeout(EXEC_HANDSHAKE_TIMEOUT_MS + 1000, () => req.destroy(new Error(`the agent did not dial ${host}:${port} in time`)));
    req.on('upgrade', (_res, socket, head) => {
      socket.setTimeout(0);
      resolve({ socket, head });
    });
    req.on('response', (res) => void refusal(res, 'connection').then(reject));
    req.on('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
    req.end();
  });
}

/**
 * Opens an exec as a WebSocket client, for HTTP exec, which re-frames the agent's output. It
 * is handed over paused, to be resumed once its listeners are on: a command that fails at
 * once sends its output and exit with the handshake, and ws would emit them before the
 * caller, some promise resolutions later, could listen.
 */
export function openExecWebSocket(transport: AgentTransport, path: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://agent${path}`, {
    createConnection: () => transport.connect(),
    maxPayload: MAX_AGENT_MESSAGE_BYTES,
    perMessageDeflate: false,
    handshakeTimeout: EXEC_HANDSHAKE_TIMEOUT_MS,
  });
  return new Promise<WebSocket>((resolve, reject) => {
    socket.once('open', () => {
      socket.pause();
      resolve(socket);
    });
    socket.once('unexpected-response', (_req, res) => void refusal(res, 'exec').then(reject));
    socket.once('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
  });
}

export function execPath(exec: ExecRequest): string {
  return `/exec?${encodeExecQuery(exec).toString()}`;
}
