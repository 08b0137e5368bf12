import type { RouteContract } from '../../src/shared/schemas/routes.js';
import { bodyPoisons } from './fuzz-bodies.js';

/**
 * Malformed requests for every route of the contract, generated from its schemas. Each
 * variant is a valid request spoiled by one poison (a bad path parameter, a query parameter
 * repeated, of the wrong type or badly encoded, a bad body, a bad token, a broken upgrade),
 * sometimes with noise on top that a server must shrug off (unknown parameters and fields,
 * odd Content-Types, chunked bodies). Whatever is spoiled, the answer must be a 4xx JSON error.
 */

export interface FuzzTargets {
  token: string;
  /** A sprite the fuzz test owns, with checkpoint `checkpoint`. */
  sprite: string;
  checkpoint: string;
  /** Valid names that no sprite or image has. */
  ghostSprite: string;
  ghostImage: string;
  /** A valid, unused name for create bodies. */
  newSprite: string;
  maxBodyBytes: number;
}

export interface Variant {
  route: string;
  label: string;
  transport: 'http' | 'ws';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked. */
  chunked?: boolean;
}

interface Draft {
  params: Record<string, string>;
  /** Raw `key=value` pieces, already encoded (or deliberately not). */
  query: string[];
  json: unknown;
  raw: Buffer | undefined;
  headers: Record<string, string>;
  chunked: boolean;
  /** Replaces the whole request target (absolute-form, other paths). */
  target?: string;
}

interface Mutation {
  label: string;
  apply: (draft: Draft) => void;
}

const NO_JSON = Symbol('no JSON body');
const BAD_ENCODINGS = ['%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80'];

function pathPoisons(route: RouteContract, targets: FuzzTargets): Mutation[] {
  const names = Object.keys(route.params?.properties ?? {});
  const out: Mutation[] = [];
  for (const name of names) {
    const isImage = route.path.startsWith('/v1/images');
    const isLast = route.path.endsWith(`:${name}`);
    const values = [...BAD_ENCODINGS, 'Bad_Name', 'a%2Fb', '%00', '..', 'x'.repeat(300)];
    if (name === 'id') values.push('v999');
    // A create by path (image import, a service's PUT) would make the ghost it is given, so it only gets names it refuses.
    else if (!(isImage && route.id === 'importImage') && !(name === 'service' && route.id === 'createService')) values.push(isImage ? targets.ghostImage : targets.ghostSprite);
    // An empty last segment is another route's path (GET /v1/sprites/ is the list).
    if (!isLast) values.push('');
    for (const value of values) out.push({ label: `path ${name}=${JSON.stringify(value.slice(0, 20))}`, apply: (d) => void (d.params[name] = value) });
  }
  return out;
}

function queryPoisons(route: RouteContract): Mutation[] {
  const out: Mutation[] = [];
  const add = (label: string, pieces: string[]) => out.push({ label: `query ${label}`, apply: (d) => void d.query.push(...pieces) });
  for (const [key, property] of Object.entries(route.querystring?.properties ?? {})) {
    const schema = property as { type?: string; minimum?: number; maximum?: number }; // a TypeBox schema is JSON Schema
    if (schema.type === 'integer') {
      for (const value of ['abc', '1.5', '', '1e400', ...BAD_ENCODINGS]) add(`${key}=${value}`, [`${key}=${value}`]);
      if (schema.minimum !== undefined) add(`${key} below minimum`, [`${key}=${schema.minimum - 1}`]);
      if (schema.maximum !== undefined) add(`${key} above maximum`, [`${key}=${schema.maximum + 1}`]);
      add(`${key} repeated`, [`${key}=1`, `${key}=2`]);
    } else if (schema.type === 'boolean') {
      for (const value of ['maybe', '', '2', ...BAD_ENCODINGS]) add(`${key}=${value}`, [`${key}=${value}`]);
      add(`${key} repeated`, [`${key}=true`, `${key}=false`]);
    } else {
      add(`${key} repeated`, [`${key}=a`, `${key}=b`]);
      add(`${key} repeated, badly encoded`, [`${key}=%zz`, `${key}=%`]);
    }
  }
  if (route.id === 'listSprites') add('continuation_token not issued', ['continuation_token=%%%']);
  if (route.id === 'diffCheckpoints') add('against a missing checkpoint', ['against=v999']);
  return out;
}

function execQueryPoisons(route: RouteContract): Mutation[] {
  if (route.execQuery === undefined) return [];
  const set = (label: string, pieces: string[]): Mutation => ({ label: `exec ${label}`, apply: (d) => void (d.query = pieces) });
  const out = [
    set('without cmd', []),
    set('empty cmd', ['cmd=']),
    set('cmd with NUL', ['cmd=a%00b']),
    set('rows=0', ['cmd=true', 'rows=0']),
    set('rows=abc', ['cmd=true', 'tty=true', 'rows=abc']),
    set('cols too large', ['cmd=true', 'cols=70000']),
    set('bad env name', ['cmd=true', 'env=1BAD%3Dx']),
    set('env without name', ['cmd=true', 'env=%3Dx']),
    set('relative dir', ['cmd=true', 'dir=relative']),
    set('dir with NUL', ['cmd=true', 'dir=%2Fa%00']),
    set('too many arguments', Array.from({ length: 4097 }, () => 'cmd=x')),
  ];
  if (route.method !== 'WS') out.push(set('tty over HTTP', ['cmd=true', 'tty=true']));
  return out;
}

function bodyMutations(route: RouteContract, targets: FuzzTargets): Mutation[] {
  const body = route.body;
  if (body === undefined) return [];
  if (!('json' in body)) return body.required ? [{ label: 'raw body missing', apply: (d) => void (d.raw = undefined) }] : [];
  const json = (label: string, value: unknown): Mutation => ({ label: `body ${label}`, apply: (d) => void (d.json = value) });
  const raw = (label: string, bytes: Buffer): Mutation => ({ label: `body ${label}`, apply: (d) => {
    d.json = NO_JSON;
    d.raw = bytes;
  } });
  const out: Mutation[] = bodyPoisons(body.json).map((poison) => ({
    label: `body ${poison.label}`,
    apply: (d) => void (d.json = poison.body(d.json as Record<string, unknown>)), // routes with a JSON body start from an object
  }));
  out.push(
    raw('truncated JSON', Buffer.from('{"name":')),
    raw('not JSON', Buffer.from('nul')),
    raw('invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
    raw('nested 100000 deep', Buffer.from('['.repeat(100_000))),
    raw('a number too large for a double', Buffer.from('1e999')),
    raw(`over ${targets.maxBodyBytes} bytes`, Buffer.from(JSON.stringify({ name: 'x'.repeat(targets.maxBodyBytes) }))),
  );
  if (body.required) out.push({ label: 'body missing', apply: (d) => void (d.json = NO_JSON) });
  if (route.id === 'createSprite') {
    const base = { name: targets.newSprite };
    out.push(
      json('invalid name', { name: 'Bad_Name' }),
      json('empty name', { name: '' }),
      json('name too long', { name: 'x'.repeat(64) }),
      json('name a lone surrogate', { name: '\ud800' }),
      json('name of an existing sprite', { name: targets.sprite }),
      json('missing image', { ...base, image: targets.ghostImage }),
      json('invalid image name', { ...base, image: 'Bad_Name' }),
      json('fork of a missing sprite', { ...base, source: { sprite: targets.ghostSprite } }),
      json('fork of a missing checkpoint', { ...base, source: { sprite: targets.sprite, checkpoint: 'v999' } }),
      json('fork with an image', { ...base, source: { sprite: targets.sprite }, image: 'tiny' }),
      json('bad environment name', { ...base, environment: { '1x': 'v' } }),
      json('NUL in environment', { ...base, environment: { K: 'a\u0000b' } }),
    );
  }
  if (route.id === 'updateSprite') out.push(json('nothing to update', {}), json('clear_labels false alone', { clear_labels: false }));
  return out;
}

function authPoisons(route: RouteContract): Mutation[] {
  if (route.public === true) return [];
  return ['', 'Bearer hob_wrong', 'Basic Zm9vOmJhcg==', 'Bearer', `Bearer ${'x'.repeat(10_000)}`].map((value) => ({
    label: `authorization ${JSON.stringify(value.slice(0, 20))}`,
    apply: (d) => {
      if (value === '') delete d.headers.authorization;
      else d.headers.authorization = value;
    },
  }));
}

function upgradePoisons(route: RouteContract, targets: FuzzTargets): Mutation[] {
  if (route.method !== 'WS') return [];
  const exec = `/v1/sprites/${targets.sprite}/exec`;
  return [
    {
      label: 'upgrade without Sec-WebSocket-Key',
      apply: (d) => {
        delete d.headers['sec-websocket-key'];
      },
    },
    { label: 'session id badly encoded', apply: (d) => void (d.target = `${exec}/%zz?cmd=true`) },
    { label: 'missing session', apply: (d) => void (d.target = `${exec}/nope?cmd=true`) },
    { label: 'control endpoint', apply: (d) => void (d.target = `/v1/sprites/${targets.sprite}/control`) },
    { label: 'unknown path', apply: (d) => void (d.target = '/v1/nope') },
    { label: 'target not a URL', apply: (d) => void (d.target = `http://[zz]${exec}?cmd=true`) },
  ];
}

const NOISE: Mutation[] = [
  { label: 'unknown query parameter', apply: (d) => void d.query.push('zz_unknown=1') },
  { label: 'bracketed query parameters', apply: (d) => void d.query.push('a[b]=c', 'a[b]=d') },
  { label: 'badly encoded unknown parameter', apply: (d) => void d.query.push('%zz=%zz') },
  { label: 'empty query pieces', apply: (d) => void d.query.push('', '=x', '&') },
  { label: 'a 60 KB query parameter', apply: (d) => void d.query.push(`zz=${'y'.repeat(60_000)}`) },
  { label: 'Content-Type text/plain', apply: (d) => void (d.headers['content-type'] = 'text/plain') },
  { label: 'Content-Type form', apply: (d) => void (d.headers['content-type'] = 'application/x-www-form-urlencoded') },
  { label: 'Content-Type multipart', apply: (d) => void (d.headers['content-type'] = 'multipart/form-data; boundary=zz') },
  { label: 'Content-Type malformed', apply: (d) => void (d.headers['content-type'] = ';;;') },
  { label: 'Content-Type UTF-16', apply: (d) => void (d.headers['content-type'] = 'application/json; charset=utf-16') },
  { label: 'chunked body', apply: (d) => void (d.chunked = true) },
  {
    label: 'a body on any method',
    apply: (d) => {
      if (d.json === NO_JSON && d.raw === undefined) d.raw = Buffer.from('{"zz":1}');
    },
  },
  {
    label: 'unknown and prototype fields',
    apply: (d) => {
      if (typeof d.json === 'object' && d.json !== null && !Array.isArray(d.json)) d.json = { ...d.json, ...(JSON.parse('{"zz_unknown":1,"__proto__":{"polluted":true}}') as object) }; // JSON.parse makes __proto__ an own field
    },
  },
];

/** A minimal valid JSON body per route that takes one; createCheckpoint's `{comment}` is the fallback. */
export function validBody(route: RouteContract, targets: Pick<FuzzTargets, 'newSprite'>): Record<string, unknown> {
  switch (route.id) {
    case 'createSprite':
      return { name: targets.newSprite };
    case 'updateSprite':
      return { labels: ['fuzz'] };
    case 'setNetworkPolicy':
      return { rules: [{ domain: 'example.org', action: 'allow' }] };
    case 'fsRename':
    case 'fsCopy':
      return { source: '/tmp/fuzz-a', dest: '/tmp/fuzz-b' };
    case 'fsChmod':
      return { path: '/tmp/fuzz-a', mode: '0644' };
    case 'fsChown':
      return { path: '/tmp/fuzz-a', uid: 0 };
    case 'createService':
      return { cmd: 'true' };
    case 'signalService':
      return { name: 'web', signal: 'HUP' };
    default:
      return { comment: 'fuzz' };
  }
}

function base(route: RouteContract, targets: FuzzTargets): Draft {
  const isImage = route.path.startsWith('/v1/images');
  // No service of this name exists in the fuzz's sprite; a create is refused for its missing body.
  const params: Record<string, string> = { name: isImage ? 'tiny' : targets.sprite, id: targets.checkpoint, service: 'fz-no-service' };
  const headers: Record<string, string> = { authorization: `Bearer ${targets.token}` };
  if (route.method === 'WS') Object.assign(headers, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
  const json = route.body !== undefined && 'json' in route.body ? validBody(route, targets) : NO_JSON;
  const raw = route.body !== undefined && 'raw' in route.body ? Buffer.from('not a tarball') : undefined;
  return { params, query: route.execQuery === undefined ? [] : ['cmd=true'], json, raw, headers, chunked: false };
}

function build(route: RouteContract, draft: Draft, label: string): Variant {
  const path = route.path.replace(/:(\w+)/g, (_, name: string) => draft.params[name] ?? '');
  const target = draft.target ?? (draft.query.length > 0 ? `${path}?${draft.query.join('&')}` : path);
  // JSON.stringify(undefined) is undefined, whatever its declared type says; bodies hold no functions or symbols.
  const json = draft.json === undefined ? 'null' : JSON.stringify(draft.json);
  const body = draft.json !== NO_JSON ? Buffer.from(json) : draft.raw;
  return {
    route: route.id,
    label,
    transport: route.method === 'WS' ? 'ws' : 'http',
    method: route.method === 'WS' ? 'GET' : route.method,
    path: target,
    headers: draft.headers,
    ...(body === undefined ? {} : { body }),
    ...(draft.chunked ? { chunked: true } : {}),
  };
}

export function fuzzVariants(routes: readonly RouteContract[], targets: FuzzTargets): Variant[] {
  const out: Variant[] = [];
  for (const route of routes) {
    const poisons = [
      ...pathPoisons(route, targets),
      ...queryPoisons(route),
      ...execQueryPoisons(route),
      ...bodyMutations(route, targets),
      ...authPoisons(route),
      ...upgradePoisons(route, targets),
    ];
    const make = (mutations: Mutation[]): Variant => {
      const draft = base(route, targets);
      for (const mutation of mutations) mutation.apply(draft);
      return build(route, draft, mutations.map((m) => m.label).join(' + '));
    };
    for (const poison of poisons) out.push(make([poison]));
    if (poisons.length === 0) continue;
    // Noise first, then the poison, so the poison is what the server sees last.
    NOISE.forEach((noise, i) => out.push(make([noise, poisons[(i * 7 + 3) % poisons.length] as Mutation]))); // the index is within the list
  }
  return out;
}
