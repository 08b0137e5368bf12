import type { Db } from './db.js';

/**
 * `creating` and `deleting` mark work in flight: start-up rolls a half-made checkpoint back and
 * finishes a half-done delete, so only `ready` ones are ever listed.
 */
export type CheckpointState = 'creating' | 'ready' | 'deleting';

export interface CheckpointRecord {
  spriteId: string;
  id: string;
  state: CheckpointState;
  isAuto: boolean;
  comment: string | null;
  sourceId: string | null;
  createdAt: string;
}

interface Row {
  sprite_id: string;
  id: string;
  state: CheckpointState;
  is_auto: number;
  comment: string | null;
  source_id: string | null;
  created_at: string;
}

function fromRow(row: Row): CheckpointRecord {
  return {
    spriteId: row.sprite_id,
    id: row.id,
    state: row.state,
    isAuto: row.is_auto === 1,
    comment: row.comment,
    sourceId: row.source_id,
    createdAt: row.created_at,
  };
}

/** Newest first; rowid breaks ties between checkpoints made within one millisecond. */
const NEWEST_FIRST = 'ORDER BY created_at DESC, rowid DESC';

export class CheckpointStore {
  constructor(private readonly db: Db) {}

  /**
   * Records a checkpoint about to be made and hands out its id (v0, v1, … or auto-0, auto-1, …)
   * from the sprite's own counter, so ids are never reused, even after a delete.
   */
  begin(spriteId: string, input: { isAuto: boolean; comment: string | null; sourceId: string | null }): CheckpointRecord {
    const column = input.isAuto ? 'auto_checkpoint_seq' : 'checkpoint_seq';
    return this.db.transaction(() => {
      const { seq } = this.db.prepare(`UPDATE sprites SET ${column} = ${column} + 1 WHERE id = ? RETURNING ${column} - 1 AS seq`).get(spriteId) as { seq: number }; // the sprite exists: the caller holds its lock
      const record: CheckpointRecord = {
        spriteId,
        id: `${input.isAuto ? 'auto-' : 'v'}${seq}`,
        state: 'creating',
        isAuto: input.isAuto,
        comment: input.comment,
        sourceId: input.sourceId,
        createdAt: new Date().toISOString(),
      };
      this.db
        .prepare('INSERT INTO checkpoints (sprite_id, id, state, is_auto, comment, source_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(spriteId, record.id, record.state, record.isAuto ? 1 : 0, record.comment, record.sourceId, record.createdAt);
      return record;
    })();
  }

  /** Marks a made checkpoint ready; a user checkpoint also becomes what the sprite derives from. */
  finish(record: CheckpointRecord): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE checkpoints SET state = 'ready' WHERE sprite_id = ? AND id = ?`).run(record.spriteId, record.id);
      if (!record.isAuto) this.db.prepare('UPDATE sprites SET current_checkpoint = ? WHERE id = ?').run(record.id, record.spriteId);
    })();
  }

  setState(spriteId: string, id: string, state: CheckpointState): void {
    this.db.prepare('UPDATE checkpoints SET state = ? WHERE sprite_id = ? AND id = ?').run(state, spriteId, id);
  }

  delete(spriteId: string, id: string): void {
    this.db.prepare('DELETE FROM checkpoints WHERE sprite_id = ? AND id = ?').run(spriteId, id);
  }

  get(spriteId: string, id: string): CheckpointRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM checkpoints WHERE sprite_id = ? AND id = ? AND state = 'ready'`).get(spriteId, id) as Row | undefined; // SELECT * of this table
    return row === undefined ? undefined : fromRow(row);
  }

  /** Ready checkpoints of a sprite, newest first. */
  list(spriteId: string, options: { includeAuto: boolean }): CheckpointRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM checkpoints WHERE sprite_id = ? AND state = 'ready' ${options.includeAuto ? '' : 'AND is_auto = 0'} ${NEWEST_FIRST}`)
      .all(spriteId) as Row[]; // SELECT * of this table
    return rows.map(fromRow);
  }

  /** Every row of a sprite, whatever its state (start-up reconciles them with the disk). */
  all(spriteId: string): CheckpointRecord[] {
    const rows = this.db.prepare(`SELECT * FROM checkpoints WHERE sprite_id = ? ${NEWEST_FIRST}`).all(spriteId) as Row[]; // SELECT * of this table
    return rows.map(fromRow);
  }
}
