import type { Db } from './db.js';

/** A spend limit in the price file's currency; null: none for that period. */
export interface SpendLimitValues {
  daily: number | null;
  monthly: number | null;
}

export const NO_SPEND_LIMIT: Readonly<SpendLimitValues> = Object.freeze({ daily: null, monthly: null });

function parse(value: string | null | undefined): SpendLimitValues {
  if (value == null) return { ...NO_SPEND_LIMIT };
  const parsed = JSON.parse(value) as Partial<SpendLimitValues>; // written by this store from validated limits
  return { daily: parsed.daily ?? null, monthly: parsed.monthly ?? null };
}

function isNone(limits: SpendLimitValues | undefined): boolean {
  return limits === undefined || (limits.daily === null && limits.monthly === null);
}

/** Spend limits: each sprite's (beside its other policies, gone with it) and the server's (over all sprites). */
export class SpendLimitStore {
  constructor(private readonly db: Db) {}

  forSprite(spriteId: string): SpendLimitValues {
    const row = this.db.prepare('SELECT spend FROM sprite_policies WHERE sprite_id = ?').get(spriteId) as { spend: string | null } | undefined; // column typed by the query
    return parse(row?.spend);
  }

  setForSprite(spriteId: string, limits: SpendLimitValues | undefined): void {
    this.db
      .prepare('INSERT INTO sprite_policies (sprite_id, spend) VALUES (?, ?) ON CONFLICT(sprite_id) DO UPDATE SET spend = excluded.spend')
      .run(spriteId, isNone(limits) ? null : JSON.stringify(limits));
  }

  /** Every sprite that has a limit of its own, by id. */
  sprites(): Map<string, SpendLimitValues> {
    const rows = this.db.prepare('SELECT sprite_id AS id, spend FROM sprite_policies WHERE spend IS NOT NULL').all() as { id: string; spend: string }[]; // columns typed by the query
    return new Map(rows.map((row) => [row.id, parse(row.spend)]));
  }

  forServer(): SpendLimitValues {
    const row = this.db.prepare("SELECT value FROM settings WHERE name = 'spend_limit'").get() as { value: string } | undefined; // column typed by the query
    return parse(row?.value);
  }

  setForServer(limits: SpendLimitValues | undefined): void {
    if (isNone(limits)) this.db.prepare("DELETE FROM settings WHERE name = 'spend_limit'").run();
    else this.db.prepare("INSERT INTO settings (name, value) VALUES ('spend_limit', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(JSON.stringify(limits));
  }
}
