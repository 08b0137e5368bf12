import type { Db } from './db.js';

/** A hold a sprite's own program put on it through /.sprite/api.sock; times in unix milliseconds. */
export interface TaskRecord {
  spriteId: string;
  name: string;
  startedAtMs: number;
  expiresAtMs: number;
}

interface Row {
  sprite_id: string;
  name: string;
  started_at: number;
  expires_at: number;
}

function fromRow(row: Row): TaskRecord {
  return { spriteId: row.sprite_id, name: row.name, startedAtMs: row.started_at, expiresAtMs: row.expires_at };
}

/**
 * Tasks by sprite. Rows past their expiry may linger until the next sweep, so every read takes
 * `nowMs` and sees only live ones. A sprite's tasks go with its row (ON DELETE CASCADE).
 */
export class TaskStore {
  constructor(private readonly db: Db) {}

  /** Live tasks of a sprite, oldest first. */
  list(spriteId: string, nowMs: number): TaskRecord[] {
    const rows = this.db.prepare('SELECT * FROM tasks WHERE sprite_id = ? AND expires_at > ? ORDER BY started_at, name').all(spriteId, nowMs) as Row[]; // SELECT * of this table
    return rows.map(fromRow);
  }

  get(spriteId: string, name: string, nowMs: number): TaskRecord | undefined {
    const row = this.db.prepare('SELECT * FROM tasks WHERE sprite_id = ? AND name = ? AND expires_at > ?').get(spriteId, name, nowMs) as Row | undefined; // SELECT * of this table
    return row === undefined ? undefined : fromRow(row);
  }

  count(spriteId: string, nowMs: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tasks WHERE sprite_id = ? AND expires_at > ?').get(spriteId, nowMs) as { n: number }).n; // count(*) is an integer
  }

  /** The latest expiry among a sprite's live tasks, or undefined when none holds it. */
  heldUntil(spriteId: string, nowMs: number): number | undefined {
    const row = this.db.prepare('SELECT max(expires_at) AS until FROM tasks WHERE sprite_id = ? AND expires_at > ?').get(spriteId, nowMs) as { until: number | null }; // an aggregate always returns one row
    return row.until ?? undefined;
  }

  /** Writes a task, replacing one of the same name (live or expired). */
  put(task: TaskRecord): void {
    this.db
      .prepare('INSERT OR REPLACE INTO tasks (sprite_id, name, started_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(task.spriteId, task.name, task.startedAtMs, task.expiresAtMs);
  }

  /** Removes a live task; false if there was none. */
  delete(spriteId: string, name: string, nowMs: number): boolean {
    return this.db.prepare('DELETE FROM tasks WHERE sprite_id = ? AND name = ? AND expires_at > ?').run(spriteId, name, nowMs).changes > 0;
  }

  /** Removes every task of a sprite; whether a live one was among them. */
  clear(spriteId: string, nowMs: number): boolean {
    const hadLive = this.count(spriteId, nowMs) > 0;
    this.db.prepare('DELETE FROM tasks WHERE sprite_id = ?').run(spriteId);
    return hadLive;
  }

  /** Removes every expired task; the sprites that lost one. */
  sweep(nowMs: number): string[] {
    const rows = this.db.prepare('DELETE FROM tasks WHERE expires_at <= ? RETURNING sprite_id').all(nowMs) as { sprite_id: string }[]; // RETURNING the one column
    return [...new Set(rows.map((row) => row.sprite_id))];
  }

  /** The soonest expiry of any task, expired or not, or undefined when there are none. */
  nextExpiry(): number | undefined {
    const row = this.db.prepare('SELECT min(expires_at) AS next FROM tasks').get() as { next: number | null }; // an aggregate always returns one row
    return row.next ?? undefined;
  }
}
