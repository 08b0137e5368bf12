import { request as httpRequest, type IncomingMessage } from 'node:http';

/** The socket every sprite has, and the virtual host Sprites documents for it. */
export const API_SOCKET = '/.sprite/api.sock';
export const API_HOST = 'sprite';

export interface ApiRequest {
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer;
}

/** Sends one request over the in-sprite API socket and resolves with the response, its body still to read. */
export function send(socketPath: string, req: ApiRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { Host: API_HOST, ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(req.body.length);
    const outgoing = httpRequest({ socketPath, method: req.method, path: req.path, headers }, resolve);
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? new Error(`cannot reach ${socketPath} (${error.code}): is this a sprite?`) : error);
    });
    outgoing.end(req.body);
  });
}

export async function readAll(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer); // an IncomingMessage yields Buffers
  return Buffer.concat(chunks);
}

/** JSON in, JSON out; an error answer becomes an Error carrying the server's message. */
export async function callJson(socketPath: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await send(socketPath, {
    method,
    path,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) }),
  });
  const text = (await readAll(response)).toString('utf8');
  const status = response.statusCode ?? 0;
  if (status >= 400) throw new Error(errorMessage(text, status));
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** What an error answer says: its `message`, or its text. */
export function errorMessage(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { message?: unknown }; // the API's error body, or not
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: the text itself says it best.
  }
  return `HTTP ${status}${text === '' ? '' : `: ${text.trim()}`}`;
}
