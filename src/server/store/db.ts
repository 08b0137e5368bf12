import Database from 'better-sqlite3';

type Db = Database.Database;

/** Schema versions, applied in order; a database records the last one it has in user_version. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE sprites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    image TEXT NOT NULL,
    state TEXT NOT NULL,
    config TEXT NOT NULL,
    environment TEXT NOT NULL,
    labels TEXT NOT NULL,
    url_settings TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_running_at TEXT
  );
  CREATE TABLE images (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    builtin INTEGER NOT NULL,
    size_bytes INTEGER,
    error TEXT,
    created_at TEXT NOT NULL
  );
  `,
  `
  ALTER TABLE sprites ADD COLUMN current_checkpoint TEXT;
  ALTER TABLE sprites ADD COLUMN checkpoint_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sprites ADD COLUMN auto_checkpoint_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sprites ADD COLUMN qgroup INTEGER;
  ALTER TABLE sprites ADD COLUMN forked_from TEXT;
  ALTER TABLE sprites ADD COLUMN restoring_to TEXT;
  CREATE TABLE checkpoints (
    sprite_id TEXT NOT NULL REFERENCES sprites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    is_auto INTEGER NOT NULL,
    comment TEXT,
    source_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (sprite_id, id)
  );
  CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE network_leases (
    sprite_id TEXT PRIMARY KEY,
    slot INTEGER NOT NULL UNIQUE
  );
  `,
  `
  CREATE TABLE network_policies (
    sprite_id TEXT PRIMARY KEY REFERENCES sprites(id) ON DELETE CASCADE,
    rules TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE tasks (
    sprite_id TEXT NOT NULL REFERENCES sprites(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (sprite_id, name)
  );
  CREATE INDEX tasks_by_expiry ON tasks (expires_at);
  `,
  `
  ALTER TABLE sprites ADD COLUMN last_warming_at TEXT;
  `,
  // Usage outlives its sprite (it was spent), so none of these refer to the sprites table.
  `
  CREATE TABLE usage_buckets (
    sprite_id TEXT NOT NULL,
    bucket_start INTEGER NOT NULL,
    bucket_seconds INTEGER NOT NULL,
    covered_from REAL NOT NULL,
    covered_until REAL NOT NULL,
    running_seconds REAL NOT NULL,
    cpu_seconds REAL NOT NULL,
    billed_cpu_seconds REAL NOT NULL,
    memory_gb_seconds REAL NOT NULL,
    memory_peak_bytes REAL NOT NULL,
    billed_memory_gb_seconds REAL NOT NULL,
    hot_storage_gb_seconds REAL NOT NULL,
    storage_gb_seconds REAL NOT NULL,
    cost_cpu REAL NOT NULL,
    cost_memory REAL NOT NULL,
    cost_hot_storage REAL NOT NULL,
    cost_storage REAL NOT NULL,
    PRIMARY KEY (sprite_id, bucket_start, bucket_seconds)
  ) WITHOUT ROWID;
  CREATE INDEX usage_buckets_by_time ON usage_buckets (bucket_start);
  CREATE TABLE usage_daily (
    sprite_id TEXT NOT NULL,
    day_start INTEGER NOT NULL,
    cost REAL NOT NULL,
    PRIMARY KEY (sprite_id, day_start)
  ) WITHOUT ROWID;
  CREATE INDEX usage_daily_by_day ON usage_daily (day_start);
  CREATE TABLE usage_sprites (
    sprite_id TEXT PRIMARY KEY,
    name TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE sprite_policies (
    sprite_id TEXT PRIMARY KEY REFERENCES sprites(id) ON DELETE CASCADE,
    resources TEXT,
    privileges TEXT
  );
  ALTER TABLE tokens ADD COLUMN name TEXT;
  ALTER TABLE tokens ADD COLUMN admin INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE tokens ADD COLUMN sprite_prefix TEXT;
  ALTER TABLE tokens ADD COLUMN sprite_label TEXT;
  ALTER TABLE tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tokens ADD COLUMN expires_at TEXT;
  CREATE UNIQUE INDEX tokens_by_name ON tokens (name) WHERE name IS NOT NULL;
  `,
  `
  ALTER TABLE sprite_policies ADD COLUMN spend TEXT;
  `,
];

export function openDatabase(path: string): Db {
  const db = new Database(path);
  // WAL keeps readers off the writer's back; synchronous=NORMAL is durable across a process
  // crash (what "kill the server mid-way" tests), which is the failure this store must survive.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number; // user_version is always an integer
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  memoizeStatements(db);
  return db;
}

/**
 * Compiles each SQL text once. The stores call prepare where they run a query, and on hot
 * paths (every request to a sprite's URL checks a token and looks the sprite up) compiling
 * took longer than running. No store iterates a statement, so sharing one is safe.
 */
function memoizeStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const compiled = new Map<string, ReturnType<Db['prepare']>>();
  db.prepare = ((source: string) => {
    let statement = compiled.get(source);
    if (statement === undefined) {
      statement = prepare(source);
      compiled.set(source, statement);
    }
    return statement;
  }) as Db['prepare']; // the same signature, for the one-argument form every store uses
}

export type { Db };
