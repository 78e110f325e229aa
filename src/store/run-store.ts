// The run store: runs and their metrics in one SQLite file (`runs/gradstream.db` by default), safe
// for several processes at once. Writes come batched from a recorder; reads serve the CLI and dashboard.

import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { GradstreamError } from '../errors.js';
import { metricsToCsv } from './csv.js';
import { openDatabase } from './database.js';
import {
  type MetricPoint,
  MetricQueries,
  type MetricSummary,
  type Series,
  type SeriesOptions,
} from './metric-queries.js';
import { newRunId, type RunRecord, type RunRow, type RunStatus, toRecord, unknownRun } from './run-record.js';

/** Options of {@link RunStore.open}. */
export interface RunStoreOptions {
  /** The store folder. Default `runs`. */
  readonly dir?: string;
  /** Open an existing store without writing (fails when there is none). Default false. */
  readonly readonly?: boolean;
  readonly busyTimeoutMs?: number;
}

/**
 * A handle on the store. Cheap to open; every process (or recorder) may hold its own.
 *
 * @example
 * const store = RunStore.open({ dir: 'runs' });
 * const run = store.createRun({ config });
 * store.series(run.id, 'loss', { maxPoints: 500 });
 */
export class RunStore {
  /** The store folder (absolute). */
  readonly dir: string;
  readonly #db: Database.Database;
  readonly #metrics: MetricQueries;

  private constructor(dir: string, db: Database.Database) {
    this.dir = dir;
    this.#db = db;
    this.#metrics = new MetricQueries(db);
  }

  /** Opens (or creates) the store in `options.dir`. */
  static open(options: RunStoreOptions = {}): RunStore {
    const dir = resolve(options.dir ?? 'runs');
    return new RunStore(dir, openDatabase(dir, options));
  }

  /** The folder for a run's files (its checkpoints live in `<runDir>/checkpoints`). */
  runDir(runId: string): string {
    return join(this.dir, runId);
  }

  /** Records a new `running` run. */
  createRun(o: { readonly id?: string; readonly name?: string; readonly config: object }): RunRecord {
    const now = Date.now();
    const id = o.id ?? newRunId(new Date(now));
    this.#db
      .prepare(
        `INSERT INTO runs (id, name, config, status, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?)`,
      )
      .run(id, o.name ?? null, JSON.stringify(o.config), now, now);
    return this.getRun(id) as RunRecord;
  }

  /** Sets a run's status (and when it ended, unless `running`), final metrics or error. */
  updateRun(
    id: string,
    u: { readonly status?: RunStatus; readonly finalMetrics?: object; readonly error?: string },
  ): void {
    const now = Date.now();
    const ended = u.status === undefined ? undefined : u.status === 'running' ? null : now;
    const result = this.#db
      .prepare(
        `UPDATE runs SET updated_at = ?, status = COALESCE(?, status),
           ended_at = CASE WHEN ? THEN ? ELSE ended_at END,
           final_metrics = COALESCE(?, final_metrics), error = COALESCE(?, error) WHERE id = ?`,
      )
      .run(
        now,
        u.status ?? null,
        ended === undefined ? 0 : 1,
        ended ?? null,
        u.finalMetrics === undefined ? null : JSON.stringify(u.finalMetrics),
        u.error ?? null,
        id,
      );
    if (result.changes === 0) throw unknownRun(id);
  }

  /** The run with this exact id. */
  getRun(id: string): RunRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRecord(row);
  }

  /**
   * The run a user means by `ref`: an exact id, else a unique id prefix, else a unique name.
   *
   * @throws GradstreamError `ERR_INVALID_OPTION` when `ref` matches several runs.
   */
  findRun(ref: string): RunRecord | undefined {
    const exact = this.getRun(ref);
    if (exact) return exact;
    const like = `${ref.replace(/[\\%_]/g, '\\$&')}%`;
    for (const where of [`id LIKE ? ESCAPE '\\'`, 'name = ?']) {
      const rows = this.#db
        .prepare(`SELECT * FROM runs WHERE ${where} ORDER BY id LIMIT 6`)
        .all(where.startsWith('id') ? like : ref) as RunRow[];
      if (rows.length === 1) return toRecord(rows[0]);
      if (rows.length > 1) {
        const ids = rows.map((r) => r.id).join(', ');
        throw new GradstreamError('ERR_INVALID_OPTION', `run "${ref}" is ambiguous: it matches ${ids}`, {
          cause: { ref },
        });
      }
    }
    return undefined;
  }

  /** Runs, newest first. */
  listRuns(o: { readonly status?: RunStatus; readonly limit?: number } = {}): RunRecord[] {
    const rows = this.#db
      .prepare(
        `SELECT * FROM runs WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(o.status ?? null, o.status ?? null, o.limit ?? -1) as RunRow[];
    return rows.map(toRecord);
  }

  /** Deletes a run and its metrics (not its files: see `runDir`). Returns false when there was none. */
  deleteRun(id: string): boolean {
    return this.#db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
  }

  /** Writes metric points in one transaction (a point recorded again replaces the old value). */
  insertMetrics(runId: string, points: readonly MetricPoint[]): void {
    this.#metrics.insert(runId, points, Date.now());
  }

  /**
   * Deletes a run's metric points after `step` (a resumed run records them again from its checkpoint).
   * Returns how many were deleted.
   */
  truncateMetrics(runId: string, step: number): number {
    return this.#db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step).changes;
  }

  /** One metric of a run, downsampled to at most `maxPoints` with min/max buckets. */
  series(runId: string, name: string, options?: SeriesOptions): Series {
    return this.#metrics.series(runId, name, options);
  }

  /** Every metric point of a run, ordered by step, then name. */
  metrics(runId: string): MetricPoint[] {
    return this.#metrics.all(runId);
  }

  /**
   * The run's metrics as CSV in long format, `step,name,value`, one point per line, by step then
   * name: lossless for sparse metrics (evaluations exist at few steps) and easy to pivot.
   */
  exportCsv(runId: string): string {
    if (!this.getRun(runId)) throw unknownRun(runId);
    return metricsToCsv(this.#metrics.all(runId));
  }

  /** Per metric name: points, step range, last, min and max. */
  metricSummary(runId: string): MetricSummary[] {
    return this.#metrics.summary(runId);
  }

  /** Closes the database; the handle is unusable afterwards. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
