import assert from 'node:assert/strict';
import test from 'node:test';
import { globMatcher } from './glob.js';

test('globs match names as a shell does', () => {
  const cases: [string, string, boolean][] = [
    ['*.txt', 'a.txt', true],
    ['*.txt', 'a.txt.bak', false],
    ['*.txt', 'dir/a.txt', false],
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['[ab]*', 'beta', true],
    ['[!ab]*', 'beta', false],
    ['[a-c].js', 'c.js', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['[', '[', true],
    ['a-b_c', 'a-b_c', true],
    ['{x}', '{x}', true],
  ];
  for (const [pattern, name, expected] of cases) assert.equal(globMatcher(pattern)(name), expected, `${pattern} ~ ${name}`);
});
