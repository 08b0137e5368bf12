import assert from 'node:assert/strict';
import test from 'node:test';
import { policySummary } from './describe.js';

test('the one-line policy summary of hob info', () => {
  assert.equal(policySummary({ rules: [] }), 'none, all egress allowed');
  assert.equal(policySummary({ rules: [{ domain: 'github.com', action: 'allow' }] }), '1 rule (allow github.com)');
  assert.equal(
    policySummary({ rules: [{ include: 'defaults' }, { domain: '*.a.example', action: 'allow' }, { domain: '*', action: 'deny' }] }),
    '3 rules (include defaults, allow *.a.example, deny *)',
  );
  const many = { rules: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ domain: `${name}.example`, action: 'allow' as const })) };
  assert.equal(policySummary(many), '5 rules (allow a.example, allow b.example, allow c.example, …)');
});
