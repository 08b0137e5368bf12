import { encodeExecQuery, type ExecRequest } from '../shared/exec-request.js';
import type { ClientOptions } from './client.js';
import type { ExecSocket } from './exec-socket.js';

// Apart from the API client (client.ts), which delegates to these: `hob exec` needs these alone.
// The socket module (and with it node:net) is loaded with the first socket, not at start-up.

/** Opens a WebSocket exec; the caller speaks the stream protocol on it once it emits `open`. */
export async function openExec(connection: ClientOptions, name: string, request: ExecRequest): Promise<ExecSocket> {
  const { openExecSocket } = await import('./exec-socket.js');
  const url = new URL(`${baseUrl(connection)}/v1/sprites/${encodeURIComponent(name)}/exec?${encodeExecQuery(request).toString()}`);
  return openExecSocket(url, { Authorization: `Bearer ${connection.token}` });
}

/** Attaches to a session over a WebSocket exec socket; its first message says its mode (`session_info`). */
export async function openAttach(connection: ClientOptions, name: string, id: string): Promise<ExecSocket> {
  const { openExecSocket } = await import('./exec-socket.js');
  const url = new URL(`${baseUrl(connection)}/v1/sprites/${encodeURIComponent(name)}/exec/${encodeURIComponent(id)}`);
  return openExecSocket(url, { Authorization: `Bearer ${connection.token}` });
}

/** The server's URL without trailing slashes, which API paths are appended to. */
export function baseUrl(connection: ClientOptions): string {
  return connection.url.replace(/\/+$/, '');
}
