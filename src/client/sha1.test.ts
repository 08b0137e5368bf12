import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import test from 'node:test';
import { sha1 } from './sha1.js';

test('sha1 agrees with node:crypto across the padding boundaries and on the RFC 6455 example', () => {
  for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) {
    const data = randomBytes(length);
    assert.equal(sha1(data).toString('hex'), createHash('sha1').update(data).digest('hex'), `${length} bytes`);
  }
  assert.equal(sha1(Buffer.from('abc')).toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  // RFC 6455 §1.3: the key of its example handshake and the accept value it gives.
  assert.equal(sha1(Buffer.from('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11')).toString('base64'), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});
