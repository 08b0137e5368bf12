import type { Static } from '@sinclair/typebox';
import type { NetworkPolicy } from '../../../shared/schemas/policy.js';
import { DEFAULT_PRESET } from './preset.js';

export type Policy = Static<typeof NetworkPolicy>;
export type Action = 'allow' | 'deny';

/** A policy with its presets expanded, ready to judge names. */
export interface CompiledPolicy {
  /** False for `{"rules": []}`: nothing is enforced. */
  enforced: boolean;
  exact: Map<string, Action>;
  /** `*.example.com` patterns, keyed by `example.com`. */
  suffix: Map<string, Action>;
  any: Action | undefined;
}

/** Names compare without case and without the trailing dot of a fully qualified name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Expands `include` presets. Where two rules name the same pattern, deny wins: a user who
 * includes the defaults and denies one of them means the deny.
 */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const compiled: CompiledPolicy = { enforced: policy.rules.length > 0, exact: new Map(), suffix: new Map(), any: undefined };
  const add = (pattern: string, action: Action) => {
    const name = normalizeName(pattern);
    const merge = (held: Action | undefined) => (held === 'deny' ? 'deny' : action);
    if (name === '*') compiled.any = merge(compiled.any);
    else if (name.startsWith('*.')) compiled.suffix.set(name.slice(2), merge(compiled.suffix.get(name.slice(2))));
    else compiled.exact.set(name, merge(compiled.exact.get(name)));
  };
  for (const rule of policy.rules) {
    if ('include' in rule) for (const pattern of DEFAULT_PRESET) add(pattern, 'allow');
    else add(rule.domain, rule.action);
  }
  return compiled;
}

/**
 * Whether a sprite may resolve and reach `name`: the exact rule if there is one, else the
 * longest `*.suffix` rule, else `*`, else deny (when anything is enforced). `*.example.com`
 * matches subdomains only, not `example.com` itself, as a wildcard certificate does.
 */
export function decide(policy: CompiledPolicy, name: string): Action {
  if (!policy.enforced) return 'allow';
  const host = normalizeName(name);
  const exact = policy.exact.get(host);
  if (exact !== undefined) return exact;
  for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
    const action = policy.suffix.get(host.slice(dot + 1));
    if (action !== undefined) return action;
  }
  return policy.any ?? 'deny';
}
