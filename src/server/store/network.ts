import type { Db } from './db.js';

/** A sprite's place in this server's address block: slot n holds the link's two addresses. */
export interface Lease {
  spriteId: string;
  slot: number;
}

/**
 * The address block this server picked and which sprite holds which slot of it, so a sprite
 * keeps its address across stops and server restarts.
 */
export class NetworkStore {
  constructor(private readonly db: Db) {}

  block(): string | undefined {
    const row = this.db.prepare("SELECT value FROM settings WHERE name = 'network_block'").get() as { value: string } | undefined; // column typed by the query
    return row?.value;
  }

  setBlock(cidr: string): void {
    this.db.prepare("INSERT INTO settings (name, value) VALUES ('network_block', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(cidr);
  }

  leases(): Lease[] {
    return this.db.prepare('SELECT sprite_id AS spriteId, slot FROM network_leases ORDER BY slot').all() as Lease[]; // columns typed by the query
  }

  lease(spriteId: string): Lease | undefined {
    return this.db.prepare('SELECT sprite_id AS spriteId, slot FROM network_leases WHERE sprite_id = ?').get(spriteId) as Lease | undefined; // columns typed by the query
  }

  /** The sprite's lease, taking the lowest free slot below `slots` if it has none; undefined when the block is full. */
  acquire(spriteId: string, slots: number): Lease | undefined {
    return this.db.transaction(() => {
      const held = this.lease(spriteId);
      if (held !== undefined) return held;
      // The first slot whose successor is free, or 0 when slot 0 is free.
      const row = this.db
        .prepare(
          `SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM network_leases WHERE slot = 0) THEN 0
             ELSE (SELECT MIN(slot) + 1 FROM network_leases a WHERE NOT EXISTS (SELECT 1 FROM network_leases b WHERE b.slot = a.slot + 1)) END AS slot`,
        )
        .get() as { slot: number }; // a scalar SELECT always yields one row
      if (row.slot >= slots) return undefined;
      this.db.prepare('INSERT INTO network_leases (sprite_id, slot) VALUES (?, ?)').run(spriteId, row.slot);
      return { spriteId, slot: row.slot };
    })();
  }

  release(spriteId: string): void {
    this.db.prepare('DELETE FROM network_leases WHERE sprite_id = ?').run(spriteId);
  }
}
