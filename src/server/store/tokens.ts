import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.js';

/** API tokens. Only a SHA-256 of each token is stored; the token itself is shown once. */
export class TokenStore {
  constructor(private readonly db: Db) {}

  count(): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM tokens').get() as { n: number }; // COUNT(*) always yields one row
    return row.n;
  }

  create(description: string): string {
    const id = randomBytes(6).toString('hex');
    const token = `hob_${id}_${randomBytes(24).toString('base64url')}`;
    this.db
      .prepare('INSERT INTO tokens (id, hash, description, created_at) VALUES (?, ?, ?, ?)')
      .run(id, hashToken(token), description, new Date().toISOString());
    return token;
  }

  /** The id of a valid token (what a sign-in cookie names instead of the token), or undefined. */
  idOf(token: string): string | undefined {
    if (!this.verify(token)) return undefined;
    const row = this.db.prepare('SELECT id FROM tokens WHERE hash = ?').get(hashToken(token)) as { id: string } | undefined; // column typed by the query
    return row?.id;
  }

  /** Whether the token with this id still exists, so a sign-in cookie dies with its token. */
  exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM tokens WHERE id = ?').get(id) !== undefined;
  }

  verify(token: string): boolean {
    const hash = hashToken(token);
    const row = this.db.prepare('SELECT hash FROM tokens WHERE hash = ?').get(hash) as { hash: string } | undefined; // column typed by the query
    // The lookup is by hash, so the comparison below only guards against a faulty index.
    return row !== undefined && timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash));
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
