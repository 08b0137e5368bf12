import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TObject, TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, type ErrorCode } from '../../shared/errors.js';
import { ErrorBody } from '../../shared/schemas/common.js';
import { FsErrorBody } from '../../shared/schemas/fs.js';
import { errorCodesOf, ROUTES, routes, type RouteContract } from '../../shared/schemas/routes.js';
import { routeOptions } from './contract.js';

type Json = Record<string, unknown>;

const DESCRIPTION = [
  'Hob runs persistent, isolated Linux sandboxes ("sprites") and speaks the Sprites v1 API, so the official `@fly/sprites` SDK works unchanged; fields and routes marked "Hob extension" are its own.',
  'Every call but this document carries `Authorization: Bearer <token>`. JSON bodies are read as JSON whatever their Content-Type says; fields this server does not know are ignored.',
  'Errors are JSON `{error, message}` with a code from the error registry; a failed file operation answers `{error, code, path}` instead, as the SDK reads it (`code` is the POSIX code).',
].join('\n\n');

/**
 * The OpenAPI 3.1 document, assembled from the same route table and schemas that validate
 * requests. Titled schemas become components; a WebSocket route, which OpenAPI cannot describe
 * as an operation of its own, is folded into the GET of its path (or is that GET, if the path
 * has no plain one).
 */
export function openApiDocument(version: string): Json {
  const components = new ComponentSet();
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of ROUTES) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const item = (paths[path] ??= {});
    if (route.method === 'WS') {
      // A WebSocket route with no plain GET of its own is documented as that GET, upgraded.
      if (!ROUTES.some((other) => other.method === 'GET' && other.path === route.path)) item.get = { ...operation(route, components), 'x-websocket': { operationId: route.id, summary: route.summary } };
      continue;
    }
    const upgrade = route.method === 'GET' ? ROUTES.find((other) => other.method === 'WS' && other.path === route.path) : undefined;
    item[route.method.toLowerCase()] = upgrade === undefined ? operation(route, components) : withWebSocket(route, upgrade, components);
  }
  components.add(ErrorBody);
  components.add(FsErrorBody);
  return {
    openapi: '3.1.0',
    info: { title: 'Hob API', version, description: DESCRIPTION, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `hob token create` (the server prints the first one).' } },
    },
  };
}

export function registerOpenApiRoute(app: FastifyInstance, version: string): void {
  let document: Json | undefined;
  app.withTypeProvider<TypeBoxTypeProvider>().get(routes.openapi.path, routeOptions(routes.openapi), () => {
    document ??= openApiDocument(version);
    return document as { openapi: '3.1.0' }; // built above with exactly this version field
  });
}

/** Named schemas (those with a title) go to components/schemas once and are referred to everywhere else. */
class ComponentSet {
  readonly schemas: Record<string, Json> = {};
  private readonly seen = new Map<string, string>();

  add(schema: TSchema): Json {
    return this.convert(JSON.parse(JSON.stringify(schema)) as Json); // drops TypeBox's symbol keys
  }

  private convert(node: Json): Json {
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      // The server drops fields a request object does not name rather than refusing them, so the document does not forbid them.
      if (key === 'additionalProperties' && value === false) continue;
      out[key] = convertValue(value, (child) => this.convert(child));
    }
    const title = out.title;
    if (typeof title !== 'string') return out;
    const text = JSON.stringify(out);
    const known = this.seen.get(title);
    if (known !== undefined && known !== text) throw new Error(`two different schemas are titled ${title}`);
    this.seen.set(title, text);
    this.schemas[title] = out;
    return { $ref: `#/components/schemas/${title}` };
  }
}

function convertValue(value: unknown, convert: (node: Json) => Json): unknown {
  if (Array.isArray(value)) return value.map((item) => convertValue(item, convert));
  if (typeof value === 'object' && value !== null) return convert(value as Json); // a non-null object from JSON.parse
  return value;
}

function parameters(where: 'path' | 'query', schema: TObject | undefined, components: ComponentSet, note = ''): Json[] {
  if (schema === undefined) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const converted = components.add(property);
    const { description, ...rest } = converted;
    const isArray = rest.type === 'array';
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description: `${description}${note}` } : {}),
      ...(isArray ? { style: 'form', explode: true } : {}),
      schema: rest,
    };
  });
}

function jsonContent(schema: TSchema, components: ComponentSet): Json {
  return { 'application/json': { schema: components.add(schema) } };
}

function requestBody(route: RouteContract, components: ComponentSet): Json | undefined {
  const body = route.body;
  if (body === undefined) return undefined;
  if ('json' in body) return { required: body.required, content: jsonContent(body.json, components) };
  const raw = { [body.raw]: { schema: { type: 'string', contentMediaType: body.raw } } };
  if (body.alternative === undefined) return { required: body.required, description: body.description, content: raw };
  return { required: body.required, description: `${body.description} ${body.alternative.description}`, content: { ...raw, ...jsonContent(body.alternative.json, components) } };
}

function success(route: RouteContract, components: ComponentSet): Json {
  const response = route.response;
  if ('json' in response) return { description: response.description, content: jsonContent(response.json, components) };
  if ('lines' in response) {
    return { description: `${response.description} One JSON object per line:`, content: { [response.stream]: { schema: components.add(response.lines) } } };
  }
  if ('stream' in response) {
    const stream = { [response.stream]: { schema: { type: 'string', contentMediaType: response.stream } } };
    if (response.alternative === undefined) return { description: response.description, content: stream };
    return { description: `${response.description} ${response.alternative.description}`, content: { ...stream, ...jsonContent(response.alternative.json, components) } };
  }
  if ('messages' in response && response.messages !== undefined) {
    return { description: `${response.description} Each text frame holds one JSON object:`, content: { 'application/json': { schema: components.add(response.messages) } } };
  }
  return { description: response.description };
}

function errorResponses(codes: readonly ErrorCode[], posix = false): Record<string, Json> {
  const schema = posix ? { oneOf: [{ $ref: '#/components/schemas/Error' }, { $ref: '#/components/schemas/FsError' }] } : { $ref: '#/components/schemas/Error' };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ErrorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `Error codes: ${[...new Set(list)].join(', ')}.${posix ? ' A failed file operation answers an FsError.' : ''}`,
      content: { 'application/json': { schema } },
    };
  }
  out.default = { description: 'Any other error, with a code from the registry (500 internal, 503 sprite_unavailable, …).', content: { 'application/json': { schema } } };
  return out;
}

function routeParameters(route: RouteContract, components: ComponentSet): Json[] {
  return [...parameters('path', route.params, components), ...parameters('query', route.querystring, components), ...parameters('query', route.execQuery, components)];
}

function operation(route: RouteContract, components: ComponentSet): Json {
  const body = requestBody(route, components);
  const params = routeParameters(route, components);
  return {
    operationId: route.id,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.public === true ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(body === undefined ? {} : { requestBody: body }),
    responses: { [String(route.response.status)]: success(route, components), ...created(route, components), ...errorResponses(errorCodesOf(route), route.posixErrors === true) },
  };
}

/** The 201 of a route that may also create what it names, with the same body as its 200. */
function created(route: RouteContract, components: ComponentSet): Record<string, Json> {
  const response = route.response;
  if (!('json' in response) || response.created === undefined) return {};
  return { '201': { description: response.created, content: jsonContent(response.json, components) } };
}

/** The plain GET of a path, with the WebSocket upgrade of the same path added: its query, its 101 and its errors. */
function withWebSocket(get: RouteContract, upgrade: RouteContract, components: ComponentSet): Json {
  const own = routeParameters(get, components);
  const known = new Set(own.map((param) => String(param.name)));
  const extra = parameters('query', upgrade.execQuery, components, ' (WebSocket upgrade only)').filter((param) => !known.has(String(param.name)));
  return {
    ...operation(get, components),
    summary: `${get.summary}; with \`Upgrade: websocket\`, run a command`,
    description: [get.description, `With \`Upgrade: websocket\`: ${upgrade.summary}. ${upgrade.description ?? ''}`].filter((part) => part !== undefined).join('\n\n'),
    parameters: [...own, ...extra],
    responses: {
      [String(get.response.status)]: success(get, components),
      [String(upgrade.response.status)]: success(upgrade, components),
      ...errorResponses([...new Set([...errorCodesOf(get), ...errorCodesOf(upgrade)])]),
    },
    'x-websocket': { operationId: upgrade.id, summary: upgrade.summary },
  };
}
