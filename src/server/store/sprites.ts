import type { SpriteSourceJson, UrlSettingsJson } from '../../shared/protocol.js';
import type { Db } from './db.js';

/**
 * Where a sprite is in its lifecycle, as the server last recorded it. `creating`, `restoring`
 * and `destroying` mark work in flight: if the server dies mid-way, start-up finishes or undoes it.
 * `spare` is a booted sprite of the warm pool, not yet handed to anyone, and `spare-booting` one
 * still starting (never handed out): both are invisible to the API.
 */
export type SpriteState = 'creating' | 'running' | 'warm' | 'stopped' | 'restoring' | 'destroying' | 'spare-booting' | 'spare';

export interface SpriteConfig {
  ramMiB: number;
  cpus: number;
  pidsMax: number;
  storageGiB: number;
  region: string;
  /** Its own idle timeout (0: never); absent, it follows the server's. */
  idleTimeoutMs?: number;
  /** Its wakes wait for room under the cap on running sprites instead of being refused (`wait_for_capacity` at create). */
  waitForCapacity?: boolean;
}

export interface SpriteRecord {
  id: string;
  name: string;
  image: string;
  state: SpriteState;
  config: SpriteConfig;
  environment: Record<string, string>;
  labels: string[];
  urlSettings: UrlSettingsJson;
  createdAt: string;
  updatedAt: string;
  lastRunningAt: string | null;
  /** When it last went warm (froze); null if it never has. */
  lastWarmingAt: string | null;
  /** The checkpoint its files derive from: the last one made or restored. */
  currentCheckpoint: string | null;
  /** The btrfs quota group (level 1) that holds its root and checkpoints; null for sprites made before quotas. */
  qgroup: number | null;
  forkedFrom: SpriteSourceJson | null;
  /** The checkpoint a restore in flight is bringing back (state `restoring`). */
  restoringTo: string | null;
}

export type MeterableSprite = Pick<SpriteRecord, 'id' | 'name' | 'state' | 'qgroup' | 'lastRunningAt' | 'lastWarmingAt' | 'updatedAt'>;

interface Row {
  id: string;
  name: string;
  image: string;
  state: SpriteState;
  config: string;
  environment: string;
  labels: string;
  url_settings: string;
  created_at: string;
  updated_at: string;
  last_running_at: string | null;
  last_warming_at: string | null;
  current_checkpoint: string | null;
  qgroup: number | null;
  forked_from: string | null;
  restoring_to: string | null;
}

function fromRow(row: Row): SpriteRecord {
  return {
    id: row.id,
    name: row.name,
    image: row.image,
    state: row.state,
    // These columns are only ever written by this module, from the typed record.
    config: JSON.parse(row.config) as SpriteConfig,
    environment: JSON.parse(row.environment) as Record<string, string>,
    labels: JSON.parse(row.labels) as string[],
    urlSettings: JSON.parse(row.url_settings) as UrlSettingsJson,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastRunningAt: row.last_running_at,
    lastWarmingAt: row.last_warming_at,
    currentCheckpoint: row.current_checkpoint,
    qgroup: row.qgroup,
    forkedFrom: row.forked_from === null ? null : (JSON.parse(row.forked_from) as SpriteSourceJson),
    restoringTo: row.restoring_to,
  };
}

/** The JSON columns config, environment, labels and url_settings, in that order. */
function settingsColumns(sprite: SpriteRecord): [string, string, string, string] {
  return [JSON.stringify(sprite.config), JSON.stringify(sprite.environment), JSON.stringify(sprite.labels), JSON.stringify(sprite.urlSettings)];
}

export class SpriteStore {
  constructor(private readonly db: Db) {}

  /** Inserts a new sprite; returns false if the name is taken (the UNIQUE index decides, so it is race-free). */
  insert(sprite: SpriteRecord): boolean {
    const result = this.db
      .prepare(
        `INSERT INTO sprites (id, name, image, state, config, environment, labels, url_settings, created_at, updated_at, last_running_at, qgroup, forked_from)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING`,
      )
      .run(
        sprite.id,
        sprite.name,
        sprite.image,
        sprite.state,
        ...settingsColumns(sprite),
        sprite.createdAt,
        sprite.updatedAt,
        sprite.lastRunningAt,
        sprite.qgroup,
        sprite.forkedFrom === null ? null : JSON.stringify(sprite.forkedFrom),
      );
    return result.changes === 1;
  }

  getByName(name: string): SpriteRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM sprites WHERE name = ? AND state NOT IN ('spare', 'spare-booting')`).get(name) as Row | undefined; // SELECT * of this table
    return row === undefined ? undefined : fromRow(row);
  }

  /** A sprite by its id, spares included (they keep the id when handed out). */
  getById(id: string): SpriteRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sprites WHERE id = ?').get(id) as Row | undefined; // SELECT * of this table
    return row === undefined ? undefined : fromRow(row);
  }

  /** Every sprite, spares of the warm pool included. */
  all(): SpriteRecord[] {
    const rows = this.db.prepare('SELECT * FROM sprites ORDER BY name').all() as Row[]; // SELECT * of this table
    return rows.map(fromRow);
  }

  spares(image: string): SpriteRecord[] {
    const rows = this.db.prepare(`SELECT * FROM sprites WHERE state = 'spare' AND image = ? ORDER BY created_at`).all(image) as Row[]; // SELECT * of this table
    return rows.map(fromRow);
  }

  /**
   * Hands a spare to a user: it takes the user's name and settings in one statement, so two
   * creates can never claim the same spare, and a taken name fails on the UNIQUE index.
   * Returns false if the spare was claimed by someone else first.
   */
  claimSpare(spareId: string, sprite: SpriteRecord): boolean {
    const result = this.db
      .prepare(
        `UPDATE sprites SET name = ?, state = ?, config = ?, environment = ?, labels = ?, url_settings = ?, created_at = ?, updated_at = ?
         WHERE id = ? AND state = 'spare'`,
      )
      .run(
        sprite.name,
        sprite.state,
        ...settingsColumns(sprite),
        sprite.createdAt,
        sprite.updatedAt,
        spareId,
      );
    return result.changes === 1;
  }

  /** The sprites that are running or warm: what the sleeper looks at every second. */
  awake(): SpriteRecord[] {
    const rows = this.db.prepare(`SELECT * FROM sprites WHERE state IN ('running', 'warm')`).all() as Row[]; // SELECT * of this table
    return rows.map(fromRow);
  }

  /** What metering reads of every user's sprite at each sample, spares left out: no JSON column is parsed. */
  meterable(): MeterableSprite[] {
    return this.db
      .prepare(
        `SELECT id, name, state, qgroup, last_running_at AS lastRunningAt, last_warming_at AS lastWarmingAt, updated_at AS updatedAt
         FROM sprites WHERE state NOT IN ('spare', 'spare-booting')`,
      )
      .all() as MeterableSprite[]; // the columns selected, named as the fields
  }

  /** A page of sprites ordered by name, starting after `after`; fetches one extra row to tell if more follow. */
  page(prefix: string, after: string | undefined, limit: number): { sprites: SpriteRecord[]; hasMore: boolean } {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    const rows = this.db
      .prepare(`SELECT * FROM sprites WHERE state NOT IN ('spare', 'spare-booting') AND name LIKE ? ESCAPE '\\' AND name > ? ORDER BY name LIMIT ?`)
      .all(`${escaped}%`, after ?? '', limit + 1) as Row[]; // SELECT * of this table
    return { sprites: rows.slice(0, limit).map(fromRow), hasMore: rows.length > limit };
  }

  /** Users' sprites running or about to (being created or restored): what the cap on running sprites counts. */
  awakeNames(): Set<string> {
    const rows = this.db.prepare(`SELECT name FROM sprites WHERE state IN ('creating', 'running', 'restoring')`).all() as { name: string }[]; // column typed by the query
    return new Set(rows.map((row) => row.name));
  }

  countByState(): Record<SpriteState, number> {
    const counts: Record<SpriteState, number> = { creating: 0, running: 0, warm: 0, stopped: 0, restoring: 0, destroying: 0, 'spare-booting': 0, spare: 0 };
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM sprites GROUP BY state').all() as { state: SpriteState; n: number }[]; // shape fixed by the query
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** Takes a spare out of the pool to destroy it; false if a create claimed it first. */
  retireSpare(id: string): boolean {
    return this.db.prepare(`UPDATE sprites SET state = 'destroying' WHERE id = ? AND state = 'spare'`).run(id).changes === 1;
  }

  setState(id: string, state: SpriteState): void {
    const now = new Date().toISOString();
    if (state === 'running') {
      this.db.prepare('UPDATE sprites SET state = ?, updated_at = ?, last_running_at = ? WHERE id = ?').run(state, now, now, id);
    } else if (state === 'warm') {
      // It ran until this moment.
      this.db.prepare('UPDATE sprites SET state = ?, updated_at = ?, last_running_at = ?, last_warming_at = ? WHERE id = ?').run(state, now, now, now, id);
    } else {
      this.db.prepare('UPDATE sprites SET state = ?, updated_at = ? WHERE id = ?').run(state, now, id);
    }
  }

  /** Records a restore about to start; the sprite's files are replaced only after this. */
  beginRestore(id: string, checkpoint: string): void {
    this.db.prepare(`UPDATE sprites SET state = 'restoring', restoring_to = ?, updated_at = ? WHERE id = ?`).run(checkpoint, new Date().toISOString(), id);
  }

  /** Records a restore whose files are in place: the sprite is stopped, and derives from the checkpoint. */
  finishRestore(id: string, checkpoint: string): void {
    this.db
      .prepare(`UPDATE sprites SET state = 'stopped', restoring_to = NULL, current_checkpoint = ?, updated_at = ? WHERE id = ?`)
      .run(checkpoint, new Date().toISOString(), id);
  }

  /** Records a restore that failed before the sprite's files were replaced. */
  abortRestore(id: string): void {
    this.db.prepare(`UPDATE sprites SET state = 'stopped', restoring_to = NULL, updated_at = ? WHERE id = ?`).run(new Date().toISOString(), id);
  }

  /** The next number of a per-server counter (quota group ids), never handed out twice. */
  nextCounter(name: string): number {
    const row = this.db
      .prepare('INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value')
      .get(name) as { value: number }; // RETURNING always yields the row written
    return row.value;
  }

  /** The settings a user may change; all of them land, or none. */
  update(id: string, changes: { labels?: string[]; urlSettings?: UrlSettingsJson; config?: SpriteConfig }): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      if (changes.labels !== undefined) {
        this.db.prepare('UPDATE sprites SET labels = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(changes.labels), now, id);
      }
      if (changes.urlSettings !== undefined) {
        this.db
          .prepare('UPDATE sprites SET url_settings = ?, updated_at = ? WHERE id = ?')
          .run(JSON.stringify(changes.urlSettings), now, id);
      }
      if (changes.config !== undefined) {
        this.db.prepare('UPDATE sprites SET config = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(changes.config), now, id);
      }
    })();
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM sprites WHERE id = ?').run(id);
  }

  countUsingImage(image: string): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM sprites WHERE image = ?').get(image) as { n: number }; // COUNT(*) always yields one row
    return row.n;
  }
}
