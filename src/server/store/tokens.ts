import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.js';

/**
 * Who a valid token speaks for. The admin token (made at first start) may do anything; other
 * tokens see only the sprites their scope covers, and may be read-only.
 */
export interface Principal {
  readonly tokenId: string;
  readonly admin: boolean;
  /** Only sprites whose name starts with this. */
  readonly spritePrefix: string | null;
  /** Only sprites that carry this label. */
  readonly spriteLabel: string | null;
  readonly readOnly: boolean;
}

export interface TokenInfo extends Principal {
  readonly name: string | null;
  readonly description: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
}

export interface ScopedTokenRequest {
  name: string | null;
  spritePrefix: string | null;
  spriteLabel: string | null;
  readOnly: boolean;
  expiresAt: string | null;
}

interface Row {
  id: string;
  hash: string;
  name: string | null;
  description: string;
  created_at: string;
  admin: number;
  sprite_prefix: string | null;
  sprite_label: string | null;
  read_only: number;
  expires_at: string | null;
}

/** API tokens. Only a SHA-256 of each token is stored; the token itself is shown once. */
export class TokenStore {
  constructor(private readonly db: Db) {}

  count(): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM tokens').get() as { n: number }; // COUNT(*) always yields one row
    return row.n;
  }

  /** An admin token. */
  create(description: string): string {
    return this.insert({ name: null, spritePrefix: null, spriteLabel: null, readOnly: false, expiresAt: null }, description, true).token;
  }

  /** A token that is not admin: limited to its scope, perhaps read-only or expiring. */
  createScoped(request: ScopedTokenRequest): { token: string; info: TokenInfo } {
    return this.insert(request, 'created through the API', false);
  }

  list(nowMs = Date.now()): TokenInfo[] {
    const rows = this.db.prepare('SELECT * FROM tokens ORDER BY created_at, id').all() as Row[]; // every column of the table
    return rows.filter((row) => live(row, nowMs)).map(infoOf);
  }

  /** A token by id or name, expired or not. */
  find(idOrName: string): TokenInfo | undefined {
    const row = this.db.prepare('SELECT * FROM tokens WHERE id = ? OR name = ?').get(idOrName, idOrName) as Row | undefined; // every column of the table
    return row === undefined ? undefined : infoOf(row);
  }

  revoke(id: string): void {
    this.db.prepare('DELETE FROM tokens WHERE id = ?').run(id);
  }

  /** The principal of a valid, unexpired token, or undefined. */
  principal(token: string, nowMs = Date.now()): Principal | undefined {
    const hash = hashToken(token);
    const row = this.db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined; // every column of the table
    // The lookup is by hash, so the comparison below only guards against a faulty index.
    if (row === undefined || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash)) || !live(row, nowMs)) return undefined;
    return principalOf(row);
  }

  /** The principal of a token by its id (what a sign-in cookie names), while it lives. */
  principalById(id: string, nowMs = Date.now()): Principal | undefined {
    const row = this.db.prepare('SELECT * FROM tokens WHERE id = ?').get(id) as Row | undefined; // every column of the table
    return row === undefined || !live(row, nowMs) ? undefined : principalOf(row);
  }

  verify(token: string): boolean {
    return this.principal(token) !== undefined;
  }

  private insert(request: ScopedTokenRequest, description: string, admin: boolean): { token: string; info: TokenInfo } {
    const id = randomBytes(6).toString('hex');
    const token = `hob_${id}_${randomBytes(24).toString('base64url')}`;
    this.db
      .prepare(
        'INSERT INTO tokens (id, hash, description, created_at, name, admin, sprite_prefix, sprite_label, read_only, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, hashToken(token), description, new Date().toISOString(), request.name, admin ? 1 : 0, request.spritePrefix, request.spriteLabel, request.readOnly ? 1 : 0, request.expiresAt);
    const info = this.find(id);
    if (info === undefined) throw new Error(`token ${id} vanished as it was made`);
    return { token, info };
  }
}

function live(row: Row, nowMs: number): boolean {
  return row.expires_at === null || Date.parse(row.expires_at) > nowMs;
}

function principalOf(row: Row): Principal {
  return { tokenId: row.id, admin: row.admin === 1, spritePrefix: row.sprite_prefix, spriteLabel: row.sprite_label, readOnly: row.read_only === 1 };
}

function infoOf(row: Row): TokenInfo {
  return { ...principalOf(row), name: row.name, description: row.description, createdAt: row.created_at, expiresAt: row.expires_at };
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
