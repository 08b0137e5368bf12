import type { Db } from './db.js';

export type ImageState = 'building' | 'ready' | 'failed';

export interface ImageRecord {
  name: string;
  state: ImageState;
  builtin: boolean;
  sizeBytes: number | null;
  error: string | null;
  createdAt: string;
}

interface Row {
  name: string;
  state: ImageState;
  builtin: number;
  size_bytes: number | null;
  error: string | null;
  created_at: string;
}

function fromRow(row: Row): ImageRecord {
  return {
    name: row.name,
    state: row.state,
    builtin: row.builtin === 1,
    sizeBytes: row.size_bytes,
    error: row.error,
    createdAt: row.created_at,
  };
}

export class ImageStore {
  constructor(private readonly db: Db) {}

  get(name: string): ImageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM images WHERE name = ?').get(name) as Row | undefined; // SELECT * of this table
    return row === undefined ? undefined : fromRow(row);
  }

  all(): ImageRecord[] {
    return (this.db.prepare('SELECT * FROM images ORDER BY name').all() as Row[]).map(fromRow); // SELECT * of this table
  }

  upsert(image: ImageRecord): void {
    this.db
      .prepare(
        `INSERT INTO images (name, state, builtin, size_bytes, error, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET state = excluded.state, builtin = excluded.builtin,
           size_bytes = excluded.size_bytes, error = excluded.error, created_at = excluded.created_at`,
      )
      .run(image.name, image.state, image.builtin ? 1 : 0, image.sizeBytes, image.error, image.createdAt);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM images WHERE name = ?').run(name);
  }
}
