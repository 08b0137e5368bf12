import assert from 'node:assert/strict';
import test from 'node:test';
import { normalizeSignal, parseClientControl } from './control-messages.js';

test('signal names are accepted with or without SIG, in any case, or as numbers', () => {
  assert.equal(normalizeSignal('TERM'), 'SIGTERM');
  assert.equal(normalizeSignal('SIGINT'), 'SIGINT');
  assert.equal(normalizeSignal('kill'), 'SIGKILL');
  assert.equal(normalizeSignal('9'), 'SIGKILL');
  assert.equal(normalizeSignal('NOPE'), undefined);
});

test('only well-formed control messages are understood', () => {
  assert.deepEqual(parseClientControl('{"type":"signal","signal":"INT"}'), { type: 'signal', signal: 'INT' });
  assert.deepEqual(parseClientControl('{"type":"resize","cols":100,"rows":30}'), { type: 'resize', cols: 100, rows: 30 });
  for (const text of ['', 'hello', '{}', '{"type":"resize","cols":-1,"rows":3}', '{"type":"resize","cols":"x","rows":3}', '[1]', 'null']) {
    assert.equal(parseClientControl(text), undefined, text);
  }
});
