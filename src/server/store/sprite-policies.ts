import type { Static } from '@sinclair/typebox';
import type { PrivilegesPolicy, ResourcesPolicy } from '../../shared/schemas/sprite-policies.js';
import type { Db } from './db.js';

export type StoredResources = Required<Static<typeof ResourcesPolicy>>['memory'];
export type StoredPrivileges = Static<typeof PrivilegesPolicy>;

type Kind = 'resources' | 'privileges';

/** Each sprite's resources and privileges policies as set through the API; absent means its config's defaults. */
export class SpritePolicyStore {
  constructor(private readonly db: Db) {}

  resources(spriteId: string): StoredResources | undefined {
    return this.read(spriteId, 'resources') as StoredResources | undefined; // written by setResources from a validated policy
  }

  privileges(spriteId: string): StoredPrivileges | undefined {
    return this.read(spriteId, 'privileges') as StoredPrivileges | undefined; // written by setPrivileges from a validated policy
  }

  setResources(spriteId: string, memory: StoredResources | undefined): void {
    this.write(spriteId, 'resources', memory);
  }

  setPrivileges(spriteId: string, privileges: StoredPrivileges | undefined): void {
    this.write(spriteId, 'privileges', privileges);
  }

  private read(spriteId: string, kind: Kind): unknown {
    // The column name comes from the Kind union, never from a caller's string.
    const row = this.db.prepare(`SELECT ${kind} AS value FROM sprite_policies WHERE sprite_id = ?`).get(spriteId) as { value: string | null } | undefined; // column typed by the query
    return row?.value == null ? undefined : (JSON.parse(row.value) as unknown);
  }

  private write(spriteId: string, kind: Kind, value: unknown): void {
    this.db
      .prepare(`INSERT INTO sprite_policies (sprite_id, ${kind}) VALUES (?, ?) ON CONFLICT(sprite_id) DO UPDATE SET ${kind} = excluded.${kind}`)
      .run(spriteId, value === undefined ? null : JSON.stringify(value));
  }
}
