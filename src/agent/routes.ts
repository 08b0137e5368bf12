import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HobError } from '../shared/errors.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;
export type UpgradeHandler = (req: IncomingMessage, url: URL, socket: Duplex, head: Buffer) => void;

/**
 * What one concern of the agent (exec, health; later fs, services, ports, sessions) serves:
 * plain routes keyed "<METHOD> <path>", WebSocket routes keyed by path. The server mounts
 * them and knows nothing else about them.
 */
export interface AgentRoutes {
  readonly http?: Readonly<Record<string, HttpHandler>>;
  readonly upgrade?: Readonly<Record<string, UpgradeHandler>>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HobError): void {
  sendJson(res, err.status, err.toBody());
}

/** A refused upgrade still gets a JSON body (the Go SDK reads it; ours are for humans). */
export function refuseUpgrade(socket: Duplex, err: HobError): void {
  const body = JSON.stringify(err.toBody());
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
