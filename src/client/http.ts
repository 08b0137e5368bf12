import { request as requestHttp, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Readable;
}

/**
 * One HTTP request on node:http (node:https, loaded only then, for https URLs); resolves with
 * the response once its head has arrived, its body unread. The client does not use fetch: on
 * Node 20 the first fetch of a process costs about 100 ms of CPU (undici compiles its
 * WebAssembly HTTP parser and loads its own stack), more than all the rest of a CLI command.
 */
export async function httpRequest(url: URL, options: HttpRequest): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? (await import('node:https')).request : requestHttp;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers }, resolve);
    req.on('error', reject);
    const body = options.body;
    if (body === undefined || typeof body === 'string') {
      req.end(body);
      return;
    }
    body.on('error', (error) => req.destroy(error));
    body.pipe(req);
  });
}

/** A response body as text (the API's bodies are UTF-8). */
export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer); // an IncomingMessage yields Buffers
  return Buffer.concat(chunks).toString('utf8');
}
