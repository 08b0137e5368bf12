import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PRESET } from './preset.js';
import { compilePolicy, decide } from './rules.js';

test('an empty rule list enforces nothing', () => {
  const policy = compilePolicy({ rules: [] });
  assert.equal(policy.enforced, false);
  assert.equal(decide(policy, 'anything.example'), 'allow');
});

test('exact beats *.suffix beats *', () => {
  const policy = compilePolicy({
    rules: [
      { domain: '*', action: 'allow' },
      { domain: '*.example.com', action: 'deny' },
      { domain: 'ok.example.com', action: 'allow' },
    ],
  });
  assert.equal(decide(policy, 'ok.example.com'), 'allow');
  assert.equal(decide(policy, 'bad.example.com'), 'deny');
  assert.equal(decide(policy, 'deep.bad.example.com'), 'deny');
  assert.equal(decide(policy, 'example.com'), 'allow', 'a wildcard matches subdomains only');
  assert.equal(decide(policy, 'other.test'), 'allow');
});

test('the longest suffix wins', () => {
  const policy = compilePolicy({ rules: [{ domain: '*.example.com', action: 'deny' }, { domain: '*.api.example.com', action: 'allow' }] });
  assert.equal(decide(policy, 'v1.api.example.com'), 'allow');
  assert.equal(decide(policy, 'www.example.com'), 'deny');
});

test('a name no rule matches is denied once any rule exists', () => {
  const policy = compilePolicy({ rules: [{ domain: 'allowed.test', action: 'allow' }] });
  assert.equal(decide(policy, 'allowed.test'), 'allow');
  assert.equal(decide(policy, 'other.test'), 'deny');
});

test('names compare without case and without the trailing dot', () => {
  const policy = compilePolicy({ rules: [{ domain: 'Allowed.Test.', action: 'allow' }, { domain: '*.WILD.test', action: 'allow' }] });
  assert.equal(decide(policy, 'ALLOWED.test.'), 'allow');
  assert.equal(decide(policy, 'a.wild.TEST.'), 'allow');
});

test('the defaults preset allows each of its names, and a deny of one of them wins', () => {
  const exact = DEFAULT_PRESET.filter((pattern) => !pattern.startsWith('*'));
  const wildcard = DEFAULT_PRESET.find((pattern) => pattern.startsWith('*.')) ?? '';
  const denied = exact[0] ?? '';
  const policy = compilePolicy({ rules: [{ include: 'defaults' }, { domain: denied, action: 'deny' }] });
  for (const name of exact.slice(1)) assert.equal(decide(policy, name), 'allow', name);
  assert.equal(decide(policy, `sub${wildcard.slice(1)}`), 'allow');
  assert.equal(decide(policy, denied), 'deny');
  assert.equal(decide(policy, 'unlisted.test'), 'deny');
});
