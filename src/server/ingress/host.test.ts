import assert from 'node:assert/strict';
import test from 'node:test';
import { spriteOfHost } from './host.js';

test('a sprite URL host names its sprite, with or without a port, in any case', () => {
  assert.equal(spriteOfHost('demo.localhost:7070', 'localhost'), 'demo');
  assert.equal(spriteOfHost('Demo.LocalHost', 'localhost'), 'demo');
  assert.equal(spriteOfHost('demo.localhost.', 'localhost'), 'demo');
  assert.equal(spriteOfHost('a-b1.sprites.example.org:80', 'sprites.example.org'), 'a-b1');
});

test('other hosts are not sprite URLs', () => {
  for (const host of [undefined, '127.0.0.1:7070', 'localhost:7070', '.localhost', 'a.b.localhost', 'Bad_Name.localhost', 'demo.localhostx', 'demolocalhost', '-x.localhost']) {
    assert.equal(spriteOfHost(host, 'localhost'), undefined, String(host));
  }
});
