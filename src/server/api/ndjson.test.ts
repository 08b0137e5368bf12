import assert from 'node:assert/strict';
import test from 'node:test';
import { CheckpointStream, type StreamMessage } from '@fly/sprites';
import Fastify from 'fastify';
import { pino } from 'pino';
import { errorFromEvent } from '../../client/errors.js';
import { progressEventFrom } from '../../client/progress-event.js';
import { ExitCode, exitCodeFor } from '../../cli/exit-codes.js';
import { HobError } from '../../shared/errors.js';
import { streamOperation } from './ndjson.js';

/** The NDJSON body of one operation that fails with `error` after one progress line. */
async function failedOperationBody(error: Error): Promise<string> {
  const app = Fastify();
  app.post('/op', async (_request, reply) => {
    streamOperation(
      reply,
      (progress) => {
        progress('working');
        return Promise.reject(error);
      },
      pino({ level: 'silent' }),
    );
  });
  const response = await app.inject({ method: 'POST', url: '/op' });
  await app.close();
  return response.body;
}

function ndjsonLines(body: string): Record<string, unknown>[] {
  return body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>); // streamOperation writes one JSON object per line
}

test('an operation that fails ends its NDJSON stream with an error line carrying the code', async () => {
  const lines = ndjsonLines(await failedOperationBody(new HobError('conflict', 'sprite demo is busy')));
  assert.equal(lines[0]?.type, 'info');
  const last = lines.at(-1);
  assert.deepEqual({ type: last?.type, error: last?.error, code: last?.code }, { type: 'error', error: 'sprite demo is busy', code: 'conflict' });

  const unexpected = ndjsonLines(await failedOperationBody(new Error('disk on fire'))).at(-1);
  assert.equal(unexpected?.code, 'internal', 'an error that is not a HobError is a bug');
});

test('the Sprites SDK still reads the error line’s message from `error`', async () => {
  const body = await failedOperationBody(new HobError('conflict', 'sprite demo is busy'));
  const stream = new CheckpointStream(new Response(body));
  let last: StreamMessage | null = null;
  for (let message = await stream.next(); message !== null; message = await stream.next()) last = message;
  assert.equal(last?.error, 'sprite demo is busy');
});

test('a busy sprite reported in the stream reaches the CLI as a conflict: a user error, not a bug', async () => {
  const body = await failedOperationBody(new HobError('conflict', 'sprite demo is busy'));
  const event = progressEventFrom(JSON.parse(body.trim().split('\n').at(-1) ?? ''));
  assert.ok(event?.type === 'error');
  const error = errorFromEvent(event, 'checkpoint');
  assert.equal(error.code, 'conflict');
  assert.equal(exitCodeFor(error.code), ExitCode.userError);
});
