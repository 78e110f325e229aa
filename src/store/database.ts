// Opens the run store's SQLite file (better-sqlite3) safely for several writing processes: WAL,
// a busy timeout, and a schema created inside one write transaction so racing openers agree.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { GradstreamError } from '../errors.js';

/** The database file inside the store folder. */
export const DB_FILE = 'gradstream.db';

/** Bumped whenever the tables change; a newer file is refused rather than misread. */
export const SCHEMA_VERSION = 1;

/** How long a writer waits for another process's transaction before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  name TEXT,
  config TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'failed')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  ended_at INTEGER,
  final_metrics TEXT,
  error TEXT
);
-- Keyed by (run, name, step): a series is one range scan, and a step recorded twice (a resumed run
-- replaying steps after its last checkpoint) replaces the first value instead of duplicating it.
CREATE TABLE IF NOT EXISTS metrics (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, name, step)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metrics_by_step ON metrics (run_id, step);
`;

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  readonly readonly?: boolean;
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating when needed, unless read-only) `<dir>/gradstream.db` in WAL mode: readers never
 * block the writer, and writers queue on the busy timeout instead of failing.
 */
export function openDatabase(dir: string, options: OpenDatabaseOptions = {}): Database.Database {
  const path = join(resolve(dir), DB_FILE);
  if (!options.readonly) mkdirSync(dir, { recursive: true });
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
    timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
  });
  try {
    db.pragma(`busy_timeout = ${Math.round(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    db.pragma('foreign_keys = ON');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable against process crashes in WAL mode; only a power cut may lose the last commits.
      db.pragma('synchronous = NORMAL');
      db.transaction(() => {
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version > SCHEMA_VERSION) {
          const problem = `store schema version ${version} is newer than this gradstream's (${SCHEMA_VERSION})`;
          throw new GradstreamError('ERR_DATA_FORMAT', `${path}: ${problem}`, { cause: { path } });
        }
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
