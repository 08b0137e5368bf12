import assert from 'node:assert/strict';
import { request } from 'node:http';
import test from 'node:test';
import { requestValidators } from '../../../src/server/api/validation.js';
import { isErrorCode } from '../../../src/shared/errors.js';
import { errorCodesOf, ROUTES, type RouteContract } from '../../../src/shared/schemas/routes.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { bodyPoisons } from '../../helpers/fuzz-bodies.js';
import { fuzzVariants, validBody, type Variant } from '../../helpers/route-fuzz.js';

const server = sharedServer();
const REQUEST_TIMEOUT_MS = 10_000;
/** A bound on the run, not a goal: about 25 variants a route, and the route table now has over 100. */
const MAX_VARIANTS = 4_000;

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One request exactly as the variant says (no URL normalisation), over HTTP or as a WebSocket upgrade. */
function send(variant: Variant): Promise<Answer> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...variant.headers };
    if (variant.body !== undefined && variant.chunked !== true) headers['content-length'] = String(variant.body.length);
    const req = request({ host: hostname, port, method: variant.method, path: variant.path, headers, agent: false });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, contentType: '', body: '(upgraded)' });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (variant.body !== undefined) req.write(variant.body);
    req.end();
  });
}

/** What is wrong with the answer to a spoiled request, or undefined if it is a 4xx JSON error with a code the route documents. */
function problem(answer: Answer, route: RouteContract): string | undefined {
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status}`;
  if (!answer.contentType.startsWith('application/json')) return `${answer.status} with Content-Type ${JSON.stringify(answer.contentType)}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `${answer.status} with a body that is not JSON: ${answer.body.slice(0, 100)}`;
  }
  const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown }; // both checked below
  if (!isErrorCode(error) || typeof message !== 'string') return `${answer.status} without {error, message}: ${answer.body.slice(0, 200)}`;
  if (!errorCodesOf(route).includes(error)) return `${error} is not among the codes the contract lists for ${route.id} (${message})`;
  return undefined;
}

test('every generated body poison is refused by its route schema, so each variant is wrong in the way it says', () => {
  const compile = requestValidators();
  for (const route of ROUTES) {
    if (route.body === undefined || !('json' in route.body)) continue;
    const validate = compile(route.body.json, 'body');
    const valid = validBody(route, { newSprite: 'n' });
    assert.ok(validate(structuredClone(valid)), `${route.id}: the base body is valid`);
    const poisons = bodyPoisons(route.body.json);
    assert.ok(poisons.length >= 5, `${route.id}: ${poisons.length} body poisons`);
    for (const poison of poisons) assert.equal(validate(structuredClone(poison.body(valid))), false, `${route.id}: ${poison.label}`);
  }
});

test('malformed requests to every route of the contract, over HTTP and WebSocket, get a 4xx JSON error', { timeout: 300_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const newSprite = `${server.prefix}-fz-new`;
  // Only a hole in validation would create it; even then the run cleans up after itself.
  t.after(() => sprites.client.deleteSprite(newSprite).catch(() => undefined));
  const own = await sprites.create({ name: `${server.prefix}-fz-own` });
  const done = await sprites.client.createCheckpoint(own.name, 'fuzz base', () => undefined);
  assert.equal(done.type, 'complete');
  const variants = fuzzVariants(ROUTES, {
    token: server.token,
    sprite: own.name,
    checkpoint: 'v0',
    ghostSprite: `${server.prefix}-fz-ghost`,
    ghostImage: `${server.prefix}-fz-img`,
    newSprite,
    maxBodyBytes: 1024 * 1024,
  });
  assert.ok(variants.length <= MAX_VARIANTS, `${variants.length} variants`);
  for (const route of ROUTES.filter((r) => r.public !== true)) {
    assert.ok(variants.some((v) => v.route === route.id), `${route.method} ${route.path} is fuzzed`);
  }
  assert.ok(variants.some((v) => v.transport === 'ws' && v.path.includes('%zz')), 'badly encoded upgrade paths are among them');

  const byId = new Map(ROUTES.map((route) => [route.id, route]));
  const failures: string[] = [];
  const started = Date.now();
  for (const variant of variants) {
    const where = `${variant.transport === 'ws' ? 'WS' : variant.method} ${variant.path.slice(0, 120)} [${variant.route}: ${variant.label}]`;
    try {
      const wrong = problem(await send(variant), byId.get(variant.route) as RouteContract); // every variant comes from a route of ROUTES
      if (wrong !== undefined) failures.push(`${where}: ${wrong}`);
    } catch (error) {
      failures.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  t.diagnostic(`${variants.length} variants (${variants.filter((v) => v.transport === 'ws').length} WebSocket upgrades) in ${Date.now() - started} ms`);
  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} of ${variants.length} variants were not answered with a 4xx JSON error`);

  // Nothing was made or changed: no sprite of the fuzz's names but its own, whose checkpoints are as they were.
  const left = await sprites.client.listAllSprites(`${server.prefix}-fz`);
  assert.deepEqual(left.map((s) => s.name), [own.name]);
  assert.deepEqual((await sprites.client.listCheckpoints(own.name)).map((c) => c.id), ['v0']);
  assert.deepEqual(await sprites.client.getSprite(own.name).then((s) => s.labels), own.labels);
});
