import assert from 'node:assert/strict';
import test from 'node:test';
import { resolvePath } from './paths.js';

test('paths resolve as text against the working directory, never above /', () => {
  assert.equal(resolvePath('a.txt', '/app'), '/app/a.txt');
  assert.equal(resolvePath('/etc/hosts', '/app'), '/etc/hosts');
  assert.equal(resolvePath('../../../../etc/shadow', '/app/x'), '/etc/shadow');
  assert.equal(resolvePath('/../../x', '/'), '/x');
  assert.equal(resolvePath('dir/', '/'), '/dir');
  assert.equal(resolvePath('.', '/app/'), '/app');
  assert.equal(resolvePath('/', '/app'), '/');
  assert.equal(resolvePath('a//b/./c', '/'), '/a/b/c');
});
