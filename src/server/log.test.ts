import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import test from 'node:test';
import type { ServerConfig } from './config.js';
import { createLogger } from './log.js';

/** A logger of the given format writing into an array of lines. */
async function capture(logFormat: ServerConfig['logFormat']): Promise<{ log: Awaited<ReturnType<typeof createLogger>>; lines: () => string[] }> {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const log = await createLogger({ logLevel: 'info', logFormat }, { destination, colorize: false });
  return { log, lines: () => text.split('\n').filter((line) => line !== '') };
}

test('pretty lines are readable: time, level, message, then the fields', async () => {
  const { log, lines } = await capture('pretty');
  log.info({ sprite: 'demo', ms: 12 }, 'sprite created');
  log.debug('below the level');
  assert.deepEqual(lines().length, 1);
  assert.match(lines()[0] ?? '', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: sprite created \{"sprite":"demo","ms":12\}$/);
});

test('pretty request lines name the method, path, status and time instead of dumping objects', async () => {
  const { log, lines } = await capture('pretty');
  log.info({ reqId: 'req-1', req: { method: 'GET', url: '/v1/sprites', remoteAddress: '127.0.0.1' } }, 'incoming request');
  log.info({ reqId: 'req-1', res: { statusCode: 200 }, responseTime: 3.4 }, 'request completed');
  const [incoming, completed] = lines();
  assert.match(incoming ?? '', /INFO: incoming request GET \/v1\/sprites \(req-1\)$/);
  assert.match(completed ?? '', /INFO: request completed 200 in 3 ms \(req-1\)$/);
});

test('pretty errors show the message and the stack', async () => {
  const { log, lines } = await capture('pretty');
  log.error({ err: new Error('disk on fire') }, 'checkpoint failed');
  const text = lines().join('\n');
  assert.match(text, /ERROR: checkpoint failed/);
  assert.match(text, /Error: disk on fire\n\s+at /);
});

test('json lines stay one JSON object each', async () => {
  const { log, lines } = await capture('json');
  log.info({ sprite: 'demo' }, 'sprite created');
  const line = JSON.parse(lines()[0] ?? '') as Record<string, unknown>; // a pino JSON line is an object
  assert.deepEqual([line.level, line.msg, line.sprite], [30, 'sprite created', 'demo']);
});
