import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Static, TSchema } from '@sinclair/typebox';
import { HobError } from '../shared/errors.js';
import type { HttpMethod, RouteContract, routes } from '../shared/schemas/routes.js';
import { errorFromBody } from './errors.js';
import { baseUrl } from './exec.js';

type JsonRoute = RouteContract & { method: HttpMethod; response: { json: TSchema } };
export type Routes = typeof routes;
/** The routes that answer JSON, which the client checks against the route's response schema. */
export type JsonRouteName = { [K in keyof Routes]: Routes[K] extends JsonRoute ? K : never }[keyof Routes];
/** What a JSON route answers. */
export type RouteAnswer<K extends JsonRouteName> = Routes[K] extends { response: { json: infer S extends TSchema } } ? Static<S> : never;

/**
 * The route table, the schemas and TypeBox's checker, loaded with the first answer to check:
 * building every schema of the API is a large share of a CLI start, and `hob exec` checks none.
 */
export async function contract(): Promise<{ routes: Routes; checked: typeof import('./check.js').checked }> {
  const [{ routes }, { checked }] = await Promise.all([import('../shared/schemas/routes.js'), import('./check.js')]);
  return { routes, checked };
}

export interface ClientOptions {
  url: string;
  token: string;
}

/**
 * Requests to the Hob API: a token on each, non-2xx answers as HobErrors, and JSON answers
 * checked against their route's schema. HobClient adds a method per route on top.
 */
export class ApiClient {
  protected readonly baseUrl: string;

  constructor(protected readonly options: ClientOptions) {
    this.baseUrl = baseUrl(options);
  }

  /**
   * One API request; non-2xx answers become HobErrors. The HTTP module (src/client/http.ts) is
   * loaded on the first request, so commands that never make one (--help, exec) do not load it.
   * Public for the streaming calls of src/client/files.ts.
   */
  async request(method: string, path: string, init: { body?: string | Readable; json?: unknown; headers?: Record<string, string> } = {}): Promise<IncomingMessage> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.options.token}`, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const { httpRequest, readText } = await import('./http.js');
    let response: IncomingMessage;
    try {
      response = await httpRequest(new URL(`${this.baseUrl}${path}`), { method, headers, body });
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      throw new HobError('sprite_unavailable', `cannot reach the Hob server at ${this.baseUrl} (${cause}); is \`hob serve\` running?`);
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromBody(status, response.statusMessage ?? '', await readText(response).catch(() => ''));
    return response;
  }

  /** A request whose answer is not needed beyond its status. */
  protected async send(method: string, path: string, json?: unknown): Promise<void> {
    (await this.request(method, path, json === undefined ? {} : { json })).resume();
  }

  /** Calls a JSON route of the contract and checks the answer against the route's response schema. */
  async call<K extends JsonRouteName>(name: K, path: string, json?: unknown): Promise<RouteAnswer<K>> {
    const { routes } = await contract();
    return this.answer(name, path, await this.request(routes[name].method, path, json === undefined ? {} : { json }));
  }

  /** A route's JSON answer, read and checked against its response schema. */
  async answer<K extends JsonRouteName>(name: K, path: string, response: IncomingMessage): Promise<RouteAnswer<K>> {
    const [{ readText }, { routes, checked }] = await Promise.all([import('./http.js'), contract()]);
    let body: unknown;
    try {
      body = JSON.parse(await readText(response));
    } catch {
      body = undefined;
    }
    const route: JsonRoute = routes[name];
    return checked(route.response.json, body, `${route.method} ${path.split('?')[0] ?? path}`) as RouteAnswer<K>; // checked against routes[name]'s own schema
  }

}
