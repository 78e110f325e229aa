// The run store: runs and their metrics in one SQLite file (`runs/gradstream.db` by default), safe
// for several processes at once. Writes come batched from a recorder; reads serve the CLI and dashboard.
// A running run holds a lease this handle renews (lease.ts); SQLite's errors leave as `ERR_STORE`.

import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { GradstreamError, invalidOption } from '../errors.js';
import type { ControlAction } from '../protocol/control.js';
import type { TrainEvent } from '../train/events.js';
import { ControlQueue, type ControlRequest } from './controls.js';
import { metricsToCsv } from './csv.js';
import { DashboardRegistry, type StandingDashboard } from './dashboards.js';
import { DB_FILE, guardStore, openDatabase, storeProblem } from './database.js';
import { EventLog, isLogged, type LoggedEvent } from './event-log.js';
import { describeLease, isOwnLease, LEASE, type Lease, ownLease } from './lease.js';
import {
  type MetricPoint,
  MetricQueries,
  type MetricSummary,
  type Series,
  type SeriesOptions,
} from './metric-queries.js';
import {
  checkRunRef,
  newRunId,
  type RunRecord,
  type RunRow,
  type RunStatus,
  toRecord,
  unknownRun,
} from './run-record.js';

/** Options of {@link RunStore.open}. */
export interface RunStoreOptions {
  /** The store folder. Default `runs`. */
  readonly dir?: string;
  /** Open an existing store without writing (fails when there is none). Default false. */
  readonly readonly?: boolean;
  readonly busyTimeoutMs?: number;
  /** A lease this handle holds could not be renewed. Default: one line on stderr. */
  readonly onLeaseProblem?: (message: string) => void;
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
  /** The database file (absolute), as messages name it. */
  readonly file: string;
  readonly #db: Database.Database;
  readonly #metrics: MetricQueries;
  #eventLog: EventLog | undefined;
  #controls: ControlQueue | undefined;
  #dashboards: DashboardRegistry | undefined;
  /** Runs whose lease this handle holds and renews. */
  readonly #held = new Set<string>();
  /** Standing dashboards this handle registered and renews (URL → its lease). */
  readonly #registered = new Set<string>();
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #onLeaseProblem: (message: string) => void;

  private constructor(dir: string, db: Database.Database, options: RunStoreOptions) {
    this.dir = dir;
    this.file = join(dir, DB_FILE);
    this.#db = db;
    this.#metrics = this.#guard(() => new MetricQueries(db));
    this.#onLeaseProblem =
      options.onLeaseProblem ?? ((message) => process.stderr.write(`gradstream: ${message}\n`));
  }

  /**
   * Opens (or creates) the store in `options.dir`.
   *
   * @throws GradstreamError `ERR_STORE` naming the file when it is not a store, is damaged, or is
   *   read-only and `readonly` is not set.
   */
  static open(options: RunStoreOptions = {}): RunStore {
    const dir = resolve(options.dir ?? 'runs');
    return new RunStore(dir, openDatabase(dir, options), options);
  }

  #guard<T>(use: () => T): T {
    return guardStore(this.file, use);
  }

  // The hub's statements are prepared on first use: most handles (a `runs list`) never need them.
  get #log(): EventLog {
    this.#eventLog ??= this.#guard(() => new EventLog(this.#db));
    return this.#eventLog;
  }

  get #queue(): ControlQueue {
    this.#controls ??= this.#guard(() => new ControlQueue(this.#db));
    return this.#controls;
  }

  get #registry(): DashboardRegistry {
    this.#dashboards ??= this.#guard(() => new DashboardRegistry(this.#db));
    return this.#dashboards;
  }

  #row(id: string): RunRow | undefined {
    return this.#guard(
      () => this.#db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined,
    );
  }

  /**
   * Checks every page of the file (`PRAGMA quick_check`), for a job about to write to it for a long
   * time: damage anywhere is found before any work, not at the first metric write. It reads the
   * whole file: 0.8 s for a 250 MB store of 3 million metric points (measured under load).
   *
   * @throws GradstreamError `ERR_STORE` "damaged: …" naming the file and SQLite's first problems.
   */
  check(): void {
    const rows = this.#guard(() => this.#db.pragma('quick_check(3)') as { quick_check: string }[]);
    // SQLite's report is several lines ("*** in database main ***", then one per problem): one line here.
    const problems = rows
      .flatMap((r) => r.quick_check.split('\n'))
      .filter((p) => p.trim() !== '' && p !== 'ok' && !p.startsWith('***'));
    if (problems.length > 0) throw storeProblem(this.file, `damaged: ${problems.slice(0, 3).join('; ')}`);
  }

  /** The folder for a run's files (its checkpoints live in `<runDir>/checkpoints`). */
  runDir(runId: string): string {
    return join(this.dir, runId);
  }

  /** Records a new `running` run, leased to this process (renewed until it ends or the store closes). */
  createRun(o: { readonly id?: string; readonly name?: string; readonly config: object }): RunRecord {
    const now = Date.now();
    const id = o.id ?? newRunId(new Date(now));
    const lease = ownLease(now);
    this.#guard(() =>
      this.#db
        .prepare(
          `INSERT INTO runs (id, name, config, status, created_at, updated_at, lease_pid, lease_host, lease_expires_at)
           VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
        )
        .run(id, o.name ?? null, JSON.stringify(o.config), now, now, lease.pid, lease.host, lease.expiresAt),
    );
    this.#hold(id);
    return this.getRun(id) as RunRecord;
  }

  /**
   * Takes a stored run over to train it on (resume): sets it `running` under this process's lease,
   * in one transaction with the checks, so two resumes of one run cannot both win.
   *
   * @throws GradstreamError `ERR_INVALID_OPTION` when the run is unknown, completed, or held by a live
   *   process; `ERR_STORE` when its row is damaged.
   */
  claimRun(id: string): RunRecord {
    const claim = this.#db.transaction(() => {
      const row = this.#row(id);
      if (!row) throw unknownRun(id, this.file);
      const run = toRecord(row);
      checkResumable(run, this.file);
      const lease = ownLease();
      this.#db
        .prepare(
          `UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, updated_at = ?,
             lease_pid = ?, lease_host = ?, lease_expires_at = ? WHERE id = ?`,
        )
        .run(Date.now(), lease.pid, lease.host, lease.expiresAt, id);
      // Requests nobody took (a stop sent as its last trainer died) are not for the resumed run.
      this.#db.prepare('DELETE FROM controls WHERE run_id = ? AND taken_at IS NULL').run(id);
    });
    this.#guard(() => claim.immediate());
    this.#hold(id);
    return this.getRun(id) as RunRecord;
  }

  #hold(id: string): void {
    this.#held.add(id);
    if (this.#heartbeat) return;
    this.#startHeartbeat();
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => this.#renew(), LEASE.heartbeatMs);
    // A forgotten handle never keeps the process alive; a dead process's lease then expires.
    this.#heartbeat.unref();
  }

  #release(id: string): void {
    this.#held.delete(id);
    if (this.#held.size === 0 && this.#registered.size === 0 && this.#heartbeat) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  /** Renews every lease this handle holds; a lease another process took over is let go. */
  #renew(): void {
    const lease = ownLease();
    for (const url of this.#registered) {
      try {
        // A row removed meanwhile (a store wiped by hand) is written again: the dashboard still serves.
        if (!this.#guard(() => this.#registry.renew(url, lease)))
          this.#guard(() => this.#registry.put(url, lease));
      } catch (error) {
        this.#onLeaseProblem(`dashboard ${url}: registration not renewed: ${(error as Error).message}`);
      }
    }
    for (const id of this.#held) {
      try {
        const changes = this.#guard(
          () =>
            this.#db
              .prepare(
                `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND status = 'running'
                   AND lease_pid = ? AND lease_host = ?`,
              )
              .run(lease.expiresAt, id, lease.pid, lease.host).changes,
        );
        if (changes === 0) {
          this.#release(id);
          this.#onLeaseProblem(`run ${id}: its lease was taken over or ended elsewhere; no longer renewed`);
        }
      } catch (error) {
        this.#onLeaseProblem(`run ${id}: lease not renewed: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Sets a run's status (and when it ended, unless `running`), final metrics or error. A status
   * other than `running` ends the run's lease. `interrupted` is never stored (it is read from the
   * lease) and is refused.
   */
  updateRun(
    id: string,
    u: { readonly status?: RunStatus; readonly finalMetrics?: object; readonly error?: string },
  ): void {
    if (u.status === 'interrupted') invalidOption('updateRun', 'status', 'a stored status', u.status);
    const now = Date.now();
    const ended = u.status === undefined ? undefined : u.status === 'running' ? null : now;
    const result = this.#guard(() =>
      this.#db
        .prepare(
          `UPDATE runs SET updated_at = ?, status = COALESCE(?, status),
             ended_at = CASE WHEN ? THEN ? ELSE ended_at END,
             final_metrics = COALESCE(?, final_metrics), error = COALESCE(?, error),
             lease_pid = CASE WHEN ? THEN NULL ELSE lease_pid END,
             lease_host = CASE WHEN ? THEN NULL ELSE lease_host END,
             lease_expires_at = CASE WHEN ? THEN NULL ELSE lease_expires_at END WHERE id = ?`,
        )
        .run(
          now,
          u.status ?? null,
          ended === undefined ? 0 : 1,
          ended ?? null,
          u.finalMetrics === undefined ? null : JSON.stringify(u.finalMetrics),
          u.error ?? null,
          ...Array(3).fill(ended ? 1 : 0),
          id,
        ),
    );
    if (result.changes === 0) throw unknownRun(id, this.file);
    if (ended) this.#release(id);
  }

  /** The run with this exact id. */
  getRun(id: string): RunRecord | undefined {
    const row = this.#row(id);
    return row && toRecord(row);
  }

  /**
   * The run a user means by `ref`: an exact id, else a unique id prefix, else a unique name.
   *
   * @throws GradstreamError `ERR_INVALID_OPTION` when `ref` is empty or blank, or matches several runs.
   */
  findRun(ref: string): RunRecord | undefined {
    checkRunRef(ref);
    const exact = this.getRun(ref);
    if (exact) return exact;
    const like = `${ref.replace(/[\\%_]/g, '\\$&')}%`;
    for (const where of [`id LIKE ? ESCAPE '\\'`, 'name = ?']) {
      const rows = this.#guard(
        () =>
          this.#db
            .prepare(`SELECT * FROM runs WHERE ${where} ORDER BY id LIMIT 6`)
            .all(where.startsWith('id') ? like : ref) as RunRow[],
      );
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

  /**
   * Runs, newest first. `running` and `interrupted` are told apart by the runs' leases as of now,
   * so those two filters read every running row before `limit` applies.
   */
  listRuns(o: { readonly status?: RunStatus; readonly limit?: number } = {}): RunRecord[] {
    const leased = o.status === 'running' || o.status === 'interrupted';
    const stored = leased ? 'running' : (o.status ?? null);
    const rows = this.#guard(
      () =>
        this.#db
          .prepare(
            `SELECT * FROM runs WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC, rowid DESC LIMIT ?`,
          )
          .all(stored, stored, leased ? -1 : (o.limit ?? -1)) as RunRow[],
    );
    const now = Date.now();
    const runs = rows.map((row) => toRecord(row, now));
    return leased ? runs.filter((r) => r.status === o.status).slice(0, o.limit) : runs;
  }

  /** Deletes a run and its metrics (not its files: see `runDir`). Returns false when there was none. */
  deleteRun(id: string): boolean {
    this.#release(id);
    return this.#guard(() => this.#db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0);
  }

  /** Writes metric points in one transaction (a point recorded again replaces the old value). */
  insertMetrics(runId: string, points: readonly MetricPoint[]): void {
    this.#guard(() => this.#metrics.insert(runId, points, Date.now()));
  }

  /**
   * Writes a run's metric points and its logged events (start, control, histogram, end: see
   * event-log.ts; other events passed are ignored) in one transaction.
   */
  record(runId: string, points: readonly MetricPoint[], events: readonly TrainEvent[]): void {
    const logged = events.filter(isLogged);
    if (logged.length === 0) {
      this.insertMetrics(runId, points);
      return;
    }
    const log = this.#log;
    this.#guard(() =>
      this.#db
        .transaction(() => {
          log.insert(runId, logged);
          if (points.length > 0) this.#metrics.insert(runId, points, Date.now());
          else this.#db.prepare('UPDATE runs SET updated_at = ? WHERE id = ?').run(Date.now(), runId);
        })
        .immediate(),
    );
  }

  /** A run's logged events, in the order written. */
  loggedEvents(runId: string): LoggedEvent[] {
    return this.#guard(() => this.#log.ofRun(runId));
  }

  /** Up to `limit` logged events of any run written after event `afterId`, in the order written. */
  loggedEventsAfter(afterId: number, limit = 10_000): LoggedEvent[] {
    return this.#guard(() => this.#log.after(afterId, limit));
  }

  /** The number of the newest logged event (0: none). */
  lastLoggedEvent(): number {
    return this.#guard(() => this.#log.lastId());
  }

  /** A run's metric points from `step` on (inclusive), ordered by step, then name. */
  metricsFrom(runId: string, step: number): MetricPoint[] {
    return this.#guard(() => this.#metrics.from(runId, step));
  }

  /**
   * A number that changes whenever another connection commits to the store (SQLite's
   * `data_version`): a follower polls it and reads nothing while it stays the same.
   */
  dataVersion(): number {
    return this.#guard(() => this.#db.pragma('data_version', { simple: true }) as number);
  }

  /**
   * Asks the process that trains `runId` to pause, resume, stop or set its learning rate (`lr`:
   * `null` returns to the schedule); it takes the request at its next poll (`takeControls`). The
   * caller checks the request (the lr's range); the trainer's controller checks it again.
   */
  sendControl(runId: string, action: ControlAction, lr: number | null = null): void {
    this.#guard(() => this.#queue.send(runId, action, lr, Date.now()));
  }

  /** The control requests for `runId` not taken yet, in the order sent; they are marked taken. */
  takeControls(runId: string): ControlRequest[] {
    const queue = this.#queue;
    // A read first: the write lock is taken only when there is something to take.
    return this.#guard(() => (queue.hasPending(runId) ? queue.take(runId, Date.now()) : []));
  }

  /** Registers a standing dashboard at `url`, renewed with this handle's leases until `unregister…`. */
  registerDashboard(url: string): void {
    this.#guard(() => this.#registry.put(url, ownLease()));
    this.#registered.add(url);
    this.#startHeartbeat();
  }

  /** Removes a dashboard this handle registered. */
  unregisterDashboard(url: string): void {
    if (!this.#registered.delete(url)) return;
    this.#guard(() => this.#registry.remove(url, ownLease()));
  }

  /** The standing dashboards serving this store now (a dead process's registration is ignored). */
  standingDashboards(): StandingDashboard[] {
    return this.#guard(() => this.#registry.live(Date.now()));
  }

  /**
   * Deletes a run's metric points after `step` (a resumed run records them again from its checkpoint).
   * Returns how many were deleted.
   */
  truncateMetrics(runId: string, step: number): number {
    const log = this.#log;
    return this.#guard(() =>
      this.#db
        .transaction(() => {
          log.truncate(runId, step);
          return this.#db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step)
            .changes;
        })
        .immediate(),
    );
  }

  /** One metric of a run, downsampled to at most `maxPoints` with min/max buckets. */
  series(runId: string, name: string, options?: SeriesOptions): Series {
    return this.#guard(() => this.#metrics.series(runId, name, options));
  }

  /** Every metric point of a run, ordered by step, then name. */
  metrics(runId: string): MetricPoint[] {
    return this.#guard(() => this.#metrics.all(runId));
  }

  /**
   * The run's metrics as CSV in long format, `step,name,value`, one point per line, by step then
   * name: lossless for sparse metrics (evaluations exist at few steps) and easy to pivot.
   */
  exportCsv(runId: string): string {
    if (!this.getRun(runId)) throw unknownRun(runId, this.file);
    return metricsToCsv(this.metrics(runId));
  }

  /** Per metric name: points, step range, last, min and max. */
  metricSummary(runId: string): MetricSummary[] {
    return this.#guard(() => this.#metrics.summary(runId));
  }

  /**
   * Closes the database; the handle is unusable afterwards. Leases still held are not renewed
   * any more, so their runs read as `interrupted` once the leases expire (unless they ended).
   */
  close(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#held.clear();
    for (const url of [...this.#registered]) {
      try {
        this.unregisterDashboard(url);
      } catch {
        // A store that refuses the write: the registration expires with its lease.
      }
    }
    if (this.#db.open) this.#db.close();
  }
}

/**
 * Refuses to resume a run that cannot be: damaged, completed, or trained right now by a live
 * process (its lease). Stopped, failed and interrupted runs pass.
 *
 * @throws GradstreamError `ERR_STORE` (damaged) or `ERR_INVALID_OPTION`.
 */
export function checkResumable(run: RunRecord, file: string): void {
  if (run.damaged !== undefined) throw storeProblem(file, `run ${run.id} is damaged: ${run.damaged}`);
  if (run.status === 'completed') {
    const steps = run.finalMetrics?.steps;
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `run ${run.id} is completed${typeof steps === 'number' ? ` (${steps} steps)` : ''}; there is nothing to resume (train a new run to go further)`,
      { cause: { runId: run.id } },
    );
  }
  if (run.status === 'running' && !isOwnLease(run.lease)) {
    const lease = run.lease as Lease | null;
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `run ${run.id} is being trained by ${lease ? describeLease(lease) : 'another process'} (its lease is live); resume it once that process has ended`,
      { cause: { runId: run.id, lease } },
    );
  }
}
