// The metrics table's statements: batched inserts, one series downsampled by min/max buckets (so a
// chart of a long run keeps every spike), a run's every point, and per-metric summaries.

import type Database from 'better-sqlite3';
import { checkNumber } from '../errors.js';

/** One value of one metric at one step. NaN is stored as NULL and read back as NaN. */
export interface MetricPoint {
  readonly step: number;
  readonly name: string;
  readonly value: number;
}

/** A metric's points as columns (the dashboard's format), in step order. */
export interface Series {
  readonly step: readonly number[];
  readonly value: readonly number[];
  /** Points stored; more than `step.length` when the series was downsampled. */
  readonly total: number;
}

/** Options of a series query. */
export interface SeriesOptions {
  /** At most this many points come back (≥ 2). Default 2000. */
  readonly maxPoints?: number;
}

/** What `runs show` prints per metric. */
export interface MetricSummary {
  readonly name: string;
  readonly count: number;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
}

const DEFAULT_MAX_POINTS = 2000;

const fromSql = (v: number | null): number => (v === null ? Number.NaN : v);
const toSql = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** Prepared statements over one connection. */
export class MetricQueries {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #touch: Database.Statement;
  #from: Database.Statement | undefined;
  readonly #write: Database.Transaction<(runId: string, points: readonly MetricPoint[], now: number) => void>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)',
    );
    this.#touch = db.prepare('UPDATE runs SET updated_at = ? WHERE id = ?');
    this.#write = db.transaction((runId: string, points: readonly MetricPoint[], now: number) => {
      for (const p of points) this.#insert.run(runId, p.step, p.name, toSql(p.value));
      this.#touch.run(now, runId);
    });
  }

  /**
   * Inserts `points` in one transaction. IMMEDIATE takes the write lock up front, so a busy store
   * makes this wait (busy_timeout) rather than fail on a read-to-write upgrade.
   */
  insert(runId: string, points: readonly MetricPoint[], now: number): void {
    if (points.length > 0) this.#write.immediate(runId, points, now);
  }

  /**
   * All points when there are at most `maxPoints`; else the steps are cut into `maxPoints / 2`
   * equal ranges and each keeps its minimum and its maximum point. A NaN (a skipped step) shows
   * only where its range holds no finite value.
   */
  series(runId: string, name: string, options: SeriesOptions = {}): Series {
    const maxPoints = checkNumber('series', 'maxPoints', options.maxPoints ?? DEFAULT_MAX_POINTS, {
      min: 2,
      integer: true,
    });
    const range = this.#db
      .prepare(
        'SELECT COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi FROM metrics WHERE run_id = ? AND name = ?',
      )
      .get(runId, name) as { n: number; lo: number | null; hi: number | null };
    let rows: { step: number; value: number | null }[];
    if (range.n <= maxPoints) {
      rows = this.#db
        .prepare('SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step')
        .all(runId, name) as typeof rows;
    } else {
      const buckets = Math.floor(maxPoints / 2);
      const span = (range.hi as number) - (range.lo as number) + 1;
      // SQLite returns the step of the row holding the MIN (or MAX) alongside the aggregate.
      // Parameters bind as REAL, so the bucket index is truncated explicitly.
      const bucket = 'GROUP BY CAST(((step - @lo) * @buckets) / @span AS INTEGER)';
      const from = 'FROM metrics WHERE run_id = @runId AND name = @name';
      rows = this.#db
        .prepare(
          `SELECT step, MIN(value) AS value ${from} ${bucket} UNION SELECT step, MAX(value) AS value ${from} ${bucket} ORDER BY step`,
        )
        .all({ runId, name, lo: range.lo, buckets, span }) as typeof rows;
    }
    return { step: rows.map((r) => r.step), value: rows.map((r) => fromSql(r.value)), total: range.n };
  }

  /** Every point of a run, by step then name. */
  all(runId: string): MetricPoint[] {
    const rows = this.#db
      .prepare('SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY step, name')
      .all(runId) as { step: number; name: string; value: number | null }[];
    return rows.map((r) => ({ step: r.step, name: r.name, value: fromSql(r.value) }));
  }

  /** A run's points from `step` on (inclusive), by step then name (a follower's next read). */
  from(runId: string, step: number): MetricPoint[] {
    this.#from ??= this.#db.prepare(
      'SELECT step, name, value FROM metrics WHERE run_id = ? AND step >= ? ORDER BY step, name',
    );
    const rows = this.#from.all(runId, step) as { step: number; name: string; value: number | null }[];
    return rows.map((r) => ({ step: r.step, name: r.name, value: fromSql(r.value) }));
  }

  /** Per metric: count, step range, last value, min and max (NaN when a metric holds only NaN). */
  summary(runId: string): MetricSummary[] {
    const rows = this.#db
      .prepare(
        `SELECT name, COUNT(*) AS count, MIN(step) AS firstStep, MAX(step) AS lastStep,
           MIN(value) AS min, MAX(value) AS max,
           (SELECT value FROM metrics l WHERE l.run_id = m.run_id AND l.name = m.name
             ORDER BY l.step DESC LIMIT 1) AS last
         FROM metrics m WHERE run_id = ? GROUP BY name ORDER BY name`,
      )
      .all(runId) as (Omit<MetricSummary, 'last' | 'min' | 'max'> &
      Record<'last' | 'min' | 'max', number | null>)[];
    return rows.map((r) => ({ ...r, last: fromSql(r.last), min: fromSql(r.min), max: fromSql(r.max) }));
  }
}
