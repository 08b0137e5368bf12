import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from './errors.js';
import { encodeExecQuery, isSession, maxRunAfterDisconnectOf, NON_TTY_MAX_RUN_AFTER_DISCONNECT_MS, parseExecQuery } from './exec-request.js';

test('parses the SDK query form, form-encoded', () => {
  // Verbatim from the wire-protocol reference.
  const query = new URLSearchParams('cmd=echo&cmd=hello&cmd=world&path=echo&stdin=true&env=A%3Dx+y&env=B%3D1%3D2&dir=%2Fw+d');
  assert.deepEqual(parseExecQuery(query), {
    cmd: ['echo', 'hello', 'world'],
    env: { A: 'x y', B: '1=2' },
    dir: '/w d',
    tty: false,
    rows: 24,
    cols: 80,
    stdin: true,
  });
});

test('tty with size, and path alone as the command', () => {
  const parsed = parseExecQuery(new URLSearchParams('path=bash&stdin=true&tty=true&rows=10&cols=20'));
  assert.deepEqual([parsed.cmd, parsed.tty, parsed.rows, parsed.cols], [['bash'], true, 10, 20]);
});

test('round-trips through encodeExecQuery', () => {
  const request = { cmd: ['sh', '-c', 'echo "a b" & x=1'], env: { K: 'v=w', EMPTY: '' }, dir: '/tmp', tty: true, rows: 30, cols: 100, stdin: true };
  assert.deepEqual(parseExecQuery(encodeExecQuery(request)), request);
  const asUser = { ...request, user: 'sprite' };
  assert.deepEqual(parseExecQuery(encodeExecQuery(asUser)), asUser);
});

test('detachable and max_run_after_disconnect, as the SDK sends them, and the defaults they give', () => {
  const parsed = parseExecQuery(new URLSearchParams('cmd=bash&path=bash&stdin=true&tty=true&rows=10&cols=20&detachable=true&cc=true&max_run_after_disconnect=30s'));
  assert.deepEqual([parsed.detachable, parsed.maxRunAfterDisconnectMs], [true, 30_000]);
  assert.deepEqual(parseExecQuery(encodeExecQuery(parsed)), parsed);
  assert.equal(parseExecQuery(new URLSearchParams('cmd=a&max_run_after_disconnect=1m30s')).maxRunAfterDisconnectMs, 90_000);
  assert.equal(parseExecQuery(new URLSearchParams('cmd=a&max_run_after_disconnect=0')).maxRunAfterDisconnectMs, 0);
  const plain = parseExecQuery(new URLSearchParams('cmd=a'));
  assert.deepEqual([plain.detachable, plain.maxRunAfterDisconnectMs], [undefined, undefined]);
  assert.equal(maxRunAfterDisconnectOf(plain), NON_TTY_MAX_RUN_AFTER_DISCONNECT_MS, 'a non-TTY exec outlives its client briefly');
  assert.equal(maxRunAfterDisconnectOf({ ...plain, tty: true }), 0, 'a TTY exec lives on');
  assert.equal(maxRunAfterDisconnectOf({ ...plain, detachable: true }), 0, 'so does a detachable one');
  assert.equal(maxRunAfterDisconnectOf({ ...plain, tty: true, maxRunAfterDisconnectMs: 5 }), 5, 'unless the request limits it');
  assert.deepEqual([isSession(plain), isSession({ ...plain, tty: true }), isSession({ ...plain, detachable: true })], [false, true, true]);
});

test('user is an account name or a uid', () => {
  for (const user of ['sprite', 'root', '_apt', 'build-bot.1', 'host$', '1000', '0']) assert.equal(parseExecQuery(new URLSearchParams({ cmd: 'id', user })).user, user);
  assert.equal(parseExecQuery(new URLSearchParams('cmd=id&user=')).user, undefined, 'an empty user is the default one');
});

test('bad queries are 400s with a reason', () => {
  const bad = ['', 'cmd=', 'cmd=a&env=1BAD%3Dx', 'cmd=a&dir=relative', 'cmd=a&tty=true&rows=0', 'cmd=a&tty=true&cols=abc', 'cmd=a%00b', 'cmd=a&user=a%20b', 'cmd=a&user=..%2Fetc', 'cmd=a&user=123456', `cmd=a&user=${'u'.repeat(40)}`, 'cmd=a&max_run_after_disconnect=soon', 'cmd=a&max_run_after_disconnect=-1s', 'cmd=a&max_run_after_disconnect=600h'];
  for (const query of bad) {
    assert.throws(
      () => parseExecQuery(new URLSearchParams(query)),
      (error: unknown) => error instanceof HobError && error.status === 400,
      query,
    );
  }
});
