import assert from 'node:assert/strict';
import test from 'node:test';
import type { InjectOptions } from 'fastify';
import { withInProcessApp, type AdminCall, type InProcessApp } from '../testing/in-process-app.js';

/** Runs `run` against a fresh in-process API; `call` sends a request with the admin token. */
function withApp(run: (ctx: InProcessApp, call: AdminCall) => Promise<void>): Promise<void> {
  return withInProcessApp({}, run);
}

function errorBody(body: string): { error: string; message: string } {
  const parsed = JSON.parse(body) as { error: unknown; message: unknown }; // checked below
  assert.equal(typeof parsed.error, 'string', body);
  assert.equal(typeof parsed.message, 'string', body);
  return parsed as { error: string; message: string }; // both fields checked just above
}

test('every route needs a valid bearer token and says so in JSON', async () => {
  await withApp(async (ctx) => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${ctx.token}` }]) {
      const res = await ctx.app.fastify.inject({ method: 'GET', url: '/v1/sprites', headers });
      assert.equal(res.statusCode, 401);
      assert.equal(errorBody(res.body).error, 'unauthorized');
    }
    const res = await ctx.app.fastify.inject({ method: 'DELETE', url: '/v1/sprites/whatever' });
    assert.equal(res.statusCode, 401, 'auth is checked before the route runs');
  });
});

test('listing answers the SDK shape with counts, pages and a continuation token', async () => {
  await withApp(async (ctx, call) => {
    const empty = await call({ method: 'GET', url: '/v1/sprites' });
    assert.equal(empty.statusCode, 200);
    assert.deepEqual(JSON.parse(empty.body), { sprites: [], has_more: false, running: 0, warm: 0, cold: 0, name: 'local' });
    for (const name of ['a1', 'a2', 'a3', 'b1']) ctx.addSprite(name, name === 'a2' ? 'running' : 'stopped');
    const page = JSON.parse((await call({ method: 'GET', url: '/v1/sprites?prefix=a&max_results=2' })).body) as {
      sprites: { name: string; status: string }[];
      has_more: boolean;
      next_continuation_token: string;
      running: number;
      cold: number;
    }; // shape asserted below
    assert.deepEqual(page.sprites.map((s) => [s.name, s.status]), [['a1', 'cold'], ['a2', 'running']]);
    assert.equal(page.has_more, true);
    assert.equal(page.running, 1);
    assert.equal(page.cold, 3);
    const next = JSON.parse((await call({ method: 'GET', url: `/v1/sprites?prefix=a&continuation_token=${page.next_continuation_token}` })).body) as { sprites: { name: string }[]; has_more: boolean }; // shape asserted below
    assert.deepEqual(next.sprites.map((s) => s.name), ['a3']);
    assert.equal(next.has_more, false);
    for (const query of ['max_results=0', 'max_results=abc', 'max_results=5000', 'continuation_token=%%%']) {
      const bad = await call({ method: 'GET', url: `/v1/sprites?${query}` });
      assert.equal(bad.statusCode, 400, query);
      assert.equal(errorBody(bad.body).error, 'bad_request', query);
    }
  });
});

test('a sprite answers its JSON, with the URL on the port the API listens on', async () => {
  await withApp(async (ctx, call) => {
    const record = ctx.addSprite('shown');
    const res = await call({ method: 'GET', url: '/v1/sprites/shown' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const json = JSON.parse(res.body) as Record<string, unknown>; // fields asserted below
    assert.equal(json.id, record.id);
    assert.equal(json.status, 'cold');
    assert.equal(json.runtime, 'fake');
    assert.equal(json.url, 'http://shown.localhost:7070/');
    assert.deepEqual(json.storage, { exclusive_bytes: null });
    assert.equal(typeof res.headers['sprite-version'], 'string');
  });
});

test('unknown sprites, checkpoints and routes are 404 JSON errors; bad names are 400', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('here');
    for (const [method, url] of [
      ['GET', '/v1/sprites/missing'],
      ['DELETE', '/v1/sprites/missing'],
      ['GET', '/v1/sprites/missing/checkpoints'],
      ['GET', '/v1/sprites/here/checkpoints/v9'],
      ['DELETE', '/v1/sprites/here/checkpoints/v9'],
      ['POST', '/v1/sprites/here/checkpoints/v9/restore'],
      ['GET', '/v1/sprites/missing/exec'],
      ['GET', '/v1/nothing-here'],
    ] as const) {
      const res = await call({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(errorBody(res.body).error, 'not_found', `${method} ${url}`);
    }
    const bad = await call({ method: 'GET', url: '/v1/sprites/Not_A_Name' });
    assert.equal(bad.statusCode, 400);
    assert.equal(errorBody(bad.body).error, 'invalid_name');
  });
});

test('delete answers exactly 204 with no body, after stopping the sandbox', async () => {
  await withApp(async (ctx, call) => {
    const record = ctx.addSprite('doomed', 'running');
    const res = await call({ method: 'DELETE', url: '/v1/sprites/doomed' });
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.ok(ctx.runtime.calls.includes(`destroy fake-${record.id}`));
    assert.equal((await call({ method: 'GET', url: '/v1/sprites/doomed' })).statusCode, 404);
  });
});

test('JSON bodies are read without a Content-Type, and malformed ones are 400', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('labelled');
    // The Sprites quick-start's curl sends JSON with no Content-Type at all.
    const res = await call({ method: 'PUT', url: '/v1/sprites/labelled', payload: '{"labels":["x"]}' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual((JSON.parse(res.body) as { labels: string[] }).labels, ['x']); // shape of a sprite
    // …and curl's -d labels it a form.
    const plain = await call({ method: 'PUT', url: '/v1/sprites/labelled', payload: '{"labels":["y"]}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(plain.statusCode, 200, plain.body);
    const broken = await call({ method: 'PUT', url: '/v1/sprites/labelled', payload: '{"labels":', headers: { 'content-type': 'application/json' } });
    assert.equal(broken.statusCode, 400);
    assert.equal(errorBody(broken.body).error, 'bad_request');
  });
});

test('wrongly typed fields get a 400 that names the field', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('typed');
    const cases: ['POST' | 'PUT', string, object, string][] = [
      ['POST', '/v1/sprites', { name: 'ok', config: { ram_mb: 'lots' } }, 'ram_mb'],
      ['POST', '/v1/sprites', { name: 'ok', environment: { A: 1 } }, 'environment'],
      ['POST', '/v1/sprites', { name: 'ok', labels: 'x' }, 'labels'],
      ['POST', '/v1/sprites', { name: 'ok', url_settings: { auth: 'everyone' } }, 'auth'],
      ['PUT', '/v1/sprites/typed', { labels: [1] }, 'label'],
      ['POST', '/v1/sprites/typed/checkpoint', { comment: 5 }, 'comment'],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await call({ method, url, payload });
      assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`);
      const body = errorBody(res.body);
      assert.equal(body.error, 'bad_request');
      assert.match(body.message, new RegExp(field), `${JSON.stringify(payload)} → ${body.message}`);
    }
  });
});

test('operations on a sprite in the middle of another are refused with 409, not queued forever', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('busy', 'restoring');
    const exec = await call({ method: 'POST', url: '/v1/sprites/busy/exec?cmd=true' });
    assert.equal(exec.statusCode, 409, exec.body);
    assert.equal(errorBody(exec.body).error, 'conflict');
    assert.match(errorBody(exec.body).message, /being restored/);
  });
});

test('checkpoints list as a bare array', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('listed');
    const res = await call({ method: 'GET', url: '/v1/sprites/listed/checkpoints' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(res.body), []);
  });
});

test('network policy: none at first, POST replaces the whole set with exactly 204, GET answers it as given', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('guarded');
    const url = '/v1/sprites/guarded/policy/network';
    assert.deepEqual(JSON.parse((await call({ method: 'GET', url })).body), { rules: [] });
    const policy = { rules: [{ domain: 'allowed.test', action: 'allow' }, { domain: '*.wild.test', action: 'deny' }, { include: 'defaults' }] };
    const set = await call({ method: 'POST', url, payload: policy });
    assert.equal(set.statusCode, 204, set.body);
    assert.equal(set.body, '');
    assert.deepEqual(JSON.parse((await call({ method: 'GET', url })).body), policy);
    assert.equal((await call({ method: 'POST', url, payload: { rules: [{ domain: 'only.test', action: 'deny' }] } })).statusCode, 204);
    assert.deepEqual(JSON.parse((await call({ method: 'GET', url })).body), { rules: [{ domain: 'only.test', action: 'deny' }] });
    assert.equal((await call({ method: 'POST', url, payload: { rules: [] } })).statusCode, 204);
    assert.deepEqual(JSON.parse((await call({ method: 'GET', url })).body), { rules: [] });
    assert.equal((await call({ method: 'GET', url: '/v1/sprites/missing/policy/network' })).statusCode, 404);
  });
});

test('network policy: a bad body is 400 and changes nothing', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('strict');
    const url = '/v1/sprites/strict/policy/network';
    const kept = { rules: [{ domain: 'kept.test', action: 'allow' }] };
    assert.equal((await call({ method: 'POST', url, payload: kept })).statusCode, 204);
    for (const payload of [
      {},
      { rules: 'all' },
      { rules: [{ domain: 'x.test', action: 'maybe' }] },
      { rules: [{ domain: 'x.test' }] },
      { rules: [{ include: 'everything' }] },
      { rules: [{ domain: 'x.test', action: 'allow', include: 'defaults' }] },
      { rules: [{ domain: 'bad name!', action: 'allow' }] },
      { rules: [{ domain: 'a.*.test', action: 'allow' }] },
    ]) {
      const res = await call({ method: 'POST', url, payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(errorBody(res.body).error, 'bad_request');
    }
    assert.deepEqual(JSON.parse((await call({ method: 'GET', url })).body), kept);
  });
});

test('a PUT with no body answers an existing sprite with 200 and changes nothing; with a body it is the SDK update', async () => {
  await withApp(async (ctx, call) => {
    const record = ctx.addSprite('kept');
    const res = await call({ method: 'PUT', url: '/v1/sprites/kept' });
    assert.equal(res.statusCode, 200, res.body);
    const json = JSON.parse(res.body) as { id: string; labels: string[]; updated_at: string }; // a sprite
    assert.equal(json.id, record.id);
    assert.equal(json.updated_at, record.updatedAt, 'nothing changed');
    assert.ok(!ctx.runtime.calls.some((call) => call.startsWith('start')), 'nothing was booted');
    const update = await call({ method: 'PUT', url: '/v1/sprites/kept', payload: { labels: ['a'] } });
    assert.equal(update.statusCode, 200);
    assert.deepEqual((JSON.parse(update.body) as { labels: string[] }).labels, ['a']); // a sprite
    // A body names changes, so the sprite must exist; only a body-less PUT creates.
    const missing = await call({ method: 'PUT', url: '/v1/sprites/absent', payload: { labels: ['a'] } });
    assert.equal(missing.statusCode, 404);
    assert.equal(errorBody(missing.body).error, 'not_found');
    assert.equal((await call({ method: 'PUT', url: '/v1/sprites/kept', payload: {} })).statusCode, 400, 'an empty object is an update of nothing');
    assert.equal(errorBody((await call({ method: 'PUT', url: '/v1/sprites/Bad_Name' })).body).error, 'invalid_name');
  });
});

test('a PUT with no body of a missing sprite creates it from the default image', async () => {
  await withApp(async (_ctx, call) => {
    // The in-process registry has no images: the create gets as far as asking for one.
    const res = await call({ method: 'PUT', url: '/v1/sprites/fresh' });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(errorBody(res.body).message, 'no images in process (debian)');
    assert.equal((await call({ method: 'PUT', url: '/v1/sprites/fresh', payload: 'null' })).statusCode, 409, 'JSON null is no body too');
  });
});

test('the JSON form of HTTP exec refuses what is not a command with a 400 that says why', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('runner');
    const url = '/v1/sprites/runner/exec';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const cases: [string | undefined, RegExp][] = [
      [undefined, /no command: pass it as \?cmd=/],
      ['{"command": "echo', /not valid JSON/],
      ['[1, 2]', /the request body must be object/],
      ['{"cmd": "echo hi"}', /command is required/],
      ['{"command": ""}', /command/],
      ['{"command": []}', /command/],
      ['{"command": 5}', /command/],
      ['{"command": "true", "env": {"1X": "v"}}', /invalid environment variable name/],
      ['{"command": "true", "dir": "relative"}', /dir must be an absolute path/],
      ['{"command": "true", "user": "a b"}', /user must be an account name/],
    ];
    for (const [payload, message] of cases) {
      const res = await call({ method: 'POST', url, headers: form, ...(payload === undefined ? {} : { payload }) });
      assert.equal(res.statusCode, 400, `${String(payload)}: ${res.body}`);
      const body = errorBody(res.body);
      assert.equal(body.error, 'bad_request');
      assert.match(body.message, message, String(payload));
    }
    const large = await call({ method: 'POST', url, headers: form, payload: JSON.stringify({ command: `echo ${'x'.repeat(2 * 1024 * 1024)}` }) });
    assert.equal(large.statusCode, 413);
    assert.equal(errorBody(large.body).error, 'body_too_large');
    const ghost = await call({ method: 'POST', url: '/v1/sprites/ghost/exec', payload: '{"command": "true"}' });
    assert.equal(ghost.statusCode, 404, 'a good command for a missing sprite');
  });
});

test('services: bad input and a missing sprite are refused with their status before the sprite is woken', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('sleepy', 'stopped');
    const refused: [InjectOptions & { url: string }, number, RegExp][] = [
      [{ method: 'PUT', url: '/v1/sprites/sleepy/services/web?duration=forever', payload: { cmd: 'x' } }, 400, /duration must be a duration such as 5s/],
      [{ method: 'PUT', url: '/v1/sprites/sleepy/services/web', payload: { cmd: 'x', env: { 'A-B': '1' } } }, 400, /invalid environment variable name "A-B"/],
      [{ method: 'PUT', url: '/v1/sprites/sleepy/services/web', payload: { cmd: 'x', http_port: 70000 } }, 400, /http_port must be <= 65535/],
      [{ method: 'PUT', url: '/v1/sprites/sleepy/services/web', payload: { cmd: 'x', needs: ['Bad'] } }, 400, /needs.0 must match pattern/],
      [{ method: 'PUT', url: '/v1/sprites/sleepy/services/web', payload: { cmd: '' } }, 400, /cmd must NOT have fewer than 1 characters/],
      [{ method: 'PUT', url: '/v1/sprites/sleepy/services/web', payload: { cmd: 'x', dir: 'relative' } }, 400, /dir must match pattern/],
      [{ method: 'PUT', url: '/v1/sprites/sleepy/services/Bad_Name', payload: { cmd: 'x' } }, 400, /service must match pattern/],
      [{ method: 'POST', url: '/v1/sprites/sleepy/services/web/stop?timeout=1h' }, 400, /timeout is at most 5m/],
      [{ method: 'GET', url: '/v1/sprites/sleepy/services/web/logs?lines=10001' }, 400, /lines must be <= 10000/],
      [{ method: 'POST', url: '/v1/sprites/sleepy/services/signal', payload: { name: 'web', signal: 'SIGNOPE' } }, 400, /"SIGNOPE" is not a signal/],
      [{ method: 'GET', url: '/v1/sprites/ghost/services' }, 404, /sprite ghost not found/],
      [{ method: 'PUT', url: '/v1/sprites/ghost/services/web', payload: { cmd: 'x' } }, 404, /sprite ghost not found/],
    ];
    for (const [request, status, message] of refused) {
      const res = await call(request);
      assert.equal(res.statusCode, status, `${request.method ?? ''} ${request.url}: ${res.body}`);
      assert.match(errorBody(res.body).message, message);
    }
    assert.deepEqual(ctx.runtime.calls, [], 'nothing was booted');
  });
});
