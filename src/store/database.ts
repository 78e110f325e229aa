// Opens the run store's SQLite file (better-sqlite3) safely for several writing processes: WAL,
// a busy timeout, and a schema created (or migrated) inside one write transaction so racing openers
// agree. A file that is not a store, a damaged one or a read-only one is refused with one line
// naming the file (`ERR_STORE`); a read-only store still opens for reading.

import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { GradstreamError } from '../errors.js';

/** The database file inside the store folder. */
export const DB_FILE = 'gradstream.db';

/**
 * Bumped whenever the tables change; a newer file is refused rather than misread, an older one is
 * migrated when opened for writing (and read as it is otherwise). 2: the runs' leases. 3: the hub's
 * tables: run events (start, control, histogram, end), control requests, standing dashboards.
 */
export const SCHEMA_VERSION = 3;

/** How long a writer waits for another process's transaction before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

const RUNS = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  name TEXT,
  config TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'failed')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  ended_at INTEGER,
  final_metrics TEXT,
  error TEXT,
  lease_pid INTEGER,
  lease_host TEXT,
  lease_expires_at INTEGER
)`;
// Keyed by (run, name, step): a series is one range scan, and a step recorded twice (a resumed run
// replaying steps after its last checkpoint) replaces the first value instead of duplicating it.
const METRICS = `
CREATE TABLE IF NOT EXISTS metrics (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, name, step)
) WITHOUT ROWID`;
// What a run emitted besides metric points (its start, pauses, lr changes, histograms, end), as JSON,
// numbered in the order written: a standing dashboard follows the whole store by this id.
const RUN_EVENTS = `
CREATE TABLE IF NOT EXISTS run_events (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL
)`;
// Steering sent through the store (by a standing dashboard) to the process that trains the run.
const CONTROLS = `
CREATE TABLE IF NOT EXISTS controls (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  lr REAL,
  sent_at INTEGER NOT NULL,
  taken_at INTEGER
)`;
// Standing dashboards serving this store, each under a lease like a run's (see lease.ts).
const DASHBOARDS = `
CREATE TABLE IF NOT EXISTS dashboards (
  url TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  expires_at INTEGER NOT NULL
)`;
/** The tables of version 3 that older stores lack (read as empty there). */
export const HUB_TABLES = ['run_events', 'controls', 'dashboards'] as const;
const SCHEMA = `${RUNS};${METRICS};${RUN_EVENTS};${CONTROLS};${DASHBOARDS};
CREATE INDEX IF NOT EXISTS metrics_by_step ON metrics (run_id, step);
CREATE INDEX IF NOT EXISTS run_events_by_run ON run_events (run_id, id);
CREATE INDEX IF NOT EXISTS controls_by_run ON controls (run_id, taken_at);`;

/** Version 1 → 2: a running run's lease (who trains it, until when); see lease.ts. */
const MIGRATE_1_TO_2 = `
ALTER TABLE runs ADD COLUMN lease_pid INTEGER;
ALTER TABLE runs ADD COLUMN lease_host TEXT;
ALTER TABLE runs ADD COLUMN lease_expires_at INTEGER;`;

/** The columns every version's `runs` table has (the lease columns are read as null when absent). */
const RUN_COLUMNS = [
  'id',
  'name',
  'config',
  'status',
  'created_at',
  'updated_at',
  'ended_at',
  'final_metrics',
  'error',
];
const METRIC_COLUMNS = ['run_id', 'step', 'name', 'value'];

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  readonly readonly?: boolean;
  readonly busyTimeoutMs?: number;
}

/** The error of a store `path` for problem `what` (`ERR_STORE`): "`path`: `what`". */
export function storeProblem(path: string, what: string): GradstreamError {
  return new GradstreamError('ERR_STORE', `run store ${path}: ${what}`, { cause: { path } });
}

const READ_ONLY_HINT = 'train and resume need to write it (the runs commands and the dashboard can read it)';

/**
 * Turns an error from SQLite into one `ERR_STORE` line naming the file; GradstreamErrors pass as
 * they are, and anything else (a bug, not the disk) is rethrown untouched.
 */
export function storeError(path: string, error: unknown): GradstreamError {
  if (error instanceof GradstreamError) return error;
  if (!(error instanceof Database.SqliteError)) throw error;
  const code = error.code;
  if (code === 'SQLITE_NOTADB') return storeProblem(path, `not a SQLite database (${error.message})`);
  if (code.startsWith('SQLITE_CORRUPT')) return storeProblem(path, `damaged: ${error.message}`);
  if (code.startsWith('SQLITE_READONLY'))
    return storeProblem(path, `read-only (${error.message}); ${READ_ONLY_HINT}`);
  if (code === 'SQLITE_FULL') return storeProblem(path, `the disk is full (${error.message})`);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return storeProblem(path, `busy: another process holds it locked (${error.message})`);
  if (code.startsWith('SQLITE_CANTOPEN')) return storeProblem(path, `cannot be opened (${error.message})`);
  if (code.startsWith('SQLITE_IOERR')) return storeProblem(path, `I/O error (${error.message})`);
  if (error.message.startsWith('no such table') || error.message.startsWith('no such column'))
    return storeProblem(path, `damaged: ${error.message}`);
  return storeProblem(path, error.message);
}

/** Runs `use`, turning SQLite's errors into `ERR_STORE` lines naming `path`. */
export function guardStore<T>(path: string, use: () => T): T {
  try {
    return use();
  } catch (error) {
    throw storeError(path, error);
  }
}

/**
 * What is at `dir`: nothing, or a folder (with or without a database file). A `dir` that is a
 * file, or a database path that is a folder, is refused.
 */
export function storeAt(dir: string): 'missing' | 'empty-folder' | 'store' {
  const folder = resolve(dir);
  const kind = (path: string) => {
    try {
      const s = statSync(path);
      return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
    } catch {
      return 'missing';
    }
  };
  const at = kind(folder);
  if (at === 'missing') return 'missing';
  if (at !== 'folder')
    throw storeProblem(folder, 'not a folder (--store names the folder that holds gradstream.db)');
  const db = kind(join(folder, DB_FILE));
  if (db === 'missing') return 'empty-folder';
  if (db !== 'file') throw storeProblem(join(folder, DB_FILE), 'not a regular file');
  return 'store';
}

/** Refuses a store this process may not write: its folder or its files are read-only. */
function checkWritable(folder: string): void {
  for (const path of [folder, ...['', '-wal', '-shm'].map((s) => join(folder, DB_FILE + s))]) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw storeProblem(join(folder, DB_FILE), `read-only (${path} is not writable); ${READ_ONLY_HINT}`);
    }
  }
}

/**
 * A read-only connection. A WAL store needs its `-shm` file to be read; when the folder is
 * read-only and no `-shm` exists (a store closed cleanly), the file is read into memory instead,
 * with its header set back to the rollback journal so SQLite reads it without one.
 */
function openReadonly(path: string, timeout: number): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout });
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db.close();
    const code = error instanceof Database.SqliteError ? error.code : '';
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') throw error;
    const bytes = readFileSync(path);
    if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes.fill(1, 18, 20);
    return new Database(bytes, { readonly: true });
  }
}

const tableNames = (db: Database.Database): string[] =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map(
    (r) => r.name,
  );

/** Refuses a file whose tables are not a gradstream store's (missing tables or columns). */
function checkTables(db: Database.Database, path: string): void {
  for (const [table, columns] of [
    ['runs', RUN_COLUMNS],
    ['metrics', METRIC_COLUMNS],
  ] as const) {
    const have = new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    if (have.size === 0) throw storeProblem(path, `damaged: table "${table}" is missing`);
    const missing = columns.filter((c) => !have.has(c));
    if (missing.length > 0)
      throw storeProblem(path, `damaged: table "${table}" lacks column(s) ${missing.join(', ')}`);
  }
  // Reads every page of the runs table (one row per run): damage there is found at once, not
  // halfway through a command.
  db.prepare('SELECT count(*), max(length(config)) FROM runs').get();
}

/** A table's DDL as a temporary table (no foreign key: a temporary table cannot refer to a main one). */
const asTemporary = (ddl: string): string =>
  ddl.replace('TABLE', 'TEMP TABLE').replace(' REFERENCES runs (id) ON DELETE CASCADE', '');

/** Creates the schema in a fresh file, migrates an older one, refuses a newer one or a foreign one. */
function prepareSchema(db: Database.Database, path: string, readonly: boolean): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION)
    throw storeProblem(path, `schema version ${version} is newer than this gradstream's (${SCHEMA_VERSION})`);
  const tables = tableNames(db);
  if (version === 0 && tables.length > 0 && !tables.includes('runs'))
    throw storeProblem(path, `not a gradstream store (it holds tables ${tables.join(', ')}, no "runs")`);
  if (version === 0 && tables.length === 0) {
    // An empty file (SQLite's view of a zero-length one): a store with no runs yet. Reading it
    // sees empty temporary tables; writing it creates the schema.
    if (readonly) db.exec([RUNS, METRICS, RUN_EVENTS, CONTROLS, DASHBOARDS].map(asTemporary).join(';'));
    else {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    return;
  }
  checkTables(db, path);
  // An older store read as it is: the hub's tables it lacks read as empty.
  if (readonly && version < SCHEMA_VERSION)
    db.exec(
      [RUN_EVENTS, CONTROLS, DASHBOARDS]
        .filter((_, i) => !tables.includes(HUB_TABLES[i]))
        .map(asTemporary)
        .join(';'),
    );
  if (!readonly && version < SCHEMA_VERSION) {
    const columns = new Set((db.pragma('table_info(runs)') as { name: string }[]).map((c) => c.name));
    if (!columns.has('lease_pid')) db.exec(MIGRATE_1_TO_2);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }
}

/**
 * Opens (creating when needed, unless read-only) `<dir>/gradstream.db` in WAL mode: readers never
 * block the writer, and writers queue on the busy timeout instead of failing. A version 1 store is
 * migrated to version 3 when opened for writing (a version 2 one too).
 *
 * @throws GradstreamError `ERR_STORE` naming the file: not a folder, not a SQLite database, damaged
 *   (missing tables, malformed pages), newer than this version, or read-only when writing.
 */
export function openDatabase(dir: string, options: OpenDatabaseOptions = {}): Database.Database {
  const folder = resolve(dir);
  const path = join(folder, DB_FILE);
  const readonly = options.readonly ?? false;
  const timeout = Math.round(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  const at = storeAt(folder);
  if (readonly && at !== 'store') throw storeProblem(path, 'no run store here (the file does not exist)');
  if (!readonly) {
    if (at === 'missing') {
      try {
        mkdirSync(folder, { recursive: true });
      } catch (error) {
        throw storeProblem(path, `cannot create the folder (${(error as Error).message})`);
      }
    } else checkWritable(folder);
  }
  let db: Database.Database | undefined;
  try {
    db = readonly ? openReadonly(path, timeout) : new Database(path, { timeout });
    const opened = db;
    opened.pragma(`busy_timeout = ${timeout}`);
    opened.pragma('foreign_keys = ON');
    if (readonly) prepareSchema(opened, path, true);
    else {
      opened.pragma('journal_mode = WAL');
      // NORMAL is durable against process crashes in WAL mode; only a power cut may lose the last commits.
      opened.pragma('synchronous = NORMAL');
      opened.transaction(() => prepareSchema(opened, path, false)).immediate();
    }
    return opened;
  } catch (error) {
    db?.close();
    throw storeError(path, error);
  }
}
