import type { Policy } from '../network/policy/rules.js';
import type { Db } from './db.js';

/** Each sprite's egress name policy, as it was given (presets unexpanded). */
export class NetworkPolicyStore {
  constructor(private readonly db: Db) {}

  get(spriteId: string): Policy | undefined {
    const row = this.db.prepare('SELECT rules FROM network_policies WHERE sprite_id = ?').get(spriteId) as { rules: string } | undefined; // column typed by the query
    return row === undefined ? undefined : { rules: JSON.parse(row.rules) as Policy['rules'] }; // written by set() below from a validated policy
  }

  set(spriteId: string, policy: Policy): void {
    this.db.prepare('INSERT INTO network_policies (sprite_id, rules) VALUES (?, ?) ON CONFLICT(sprite_id) DO UPDATE SET rules = excluded.rules').run(spriteId, JSON.stringify(policy.rules));
  }
}
