import type { NetworkPolicyJson } from '../../../shared/protocol.js';

type Rule = NetworkPolicyJson['rules'][number];

/** How many rules `hob info` names before it says "…". */
const SUMMARY_RULES = 3;

export function ruleText(rule: Rule): string {
  return 'include' in rule ? `include ${rule.include}` : `${rule.action} ${rule.domain}`;
}

/** One line for `hob info`: "3 rules (allow github.com, deny *, …)" or "none, all egress allowed". */
export function policySummary(policy: NetworkPolicyJson): string {
  const count = policy.rules.length;
  if (count === 0) return 'none, all egress allowed';
  const named = policy.rules.slice(0, SUMMARY_RULES).map(ruleText);
  if (count > SUMMARY_RULES) named.push('…');
  return `${count} rule${count === 1 ? '' : 's'} (${named.join(', ')})`;
}

/** The rules one a line, as `hob policy network` and `set` print them. */
export function printPolicy(policy: NetworkPolicyJson): void {
  if (policy.rules.length === 0) {
    process.stdout.write('no rules: all egress is allowed\n');
    return;
  }
  const lines = policy.rules.map(ruleText);
  process.stdout.write(`${lines.join('\n')}\nnames no rule matches are denied\n`);
}
