import type { NetworkPolicyStore } from '../../store/network-policies.js';
import { compilePolicy, type CompiledPolicy, type Policy } from './rules.js';

/**
 * Which policy holds for each sprite: its own once one was set, else the server's default
 * (`--default-network-policy`), else none (`{"rules": []}`). Compiled policies are kept, since
 * every DNS query of a sprite asks.
 */
export class PolicyBook {
  private readonly compiled = new Map<string, CompiledPolicy>();
  private readonly fallback: CompiledPolicy;

  constructor(
    private readonly store: NetworkPolicyStore,
    private readonly defaultPolicy: Policy,
  ) {
    this.fallback = compilePolicy(defaultPolicy);
  }

  get(spriteId: string): Policy {
    return this.store.get(spriteId) ?? this.defaultPolicy;
  }

  compiledFor(spriteId: string): CompiledPolicy {
    let compiled = this.compiled.get(spriteId);
    if (compiled === undefined) {
      const own = this.store.get(spriteId);
      compiled = own === undefined ? this.fallback : compilePolicy(own);
      this.compiled.set(spriteId, compiled);
    }
    return compiled;
  }

  set(spriteId: string, policy: Policy): void {
    this.store.set(spriteId, policy);
    this.compiled.set(spriteId, compilePolicy(policy));
  }

  forget(spriteId: string): void {
    this.compiled.delete(spriteId);
  }
}
