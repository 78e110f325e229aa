// A run's events that are not metric points — its starts (total steps, for progress and ETA; a resume
// starts again), pauses, resumes, learning-rate changes and histograms — kept as JSON rows numbered in the order
// written. A standing dashboard follows every run in the store by that number.

import type Database from 'better-sqlite3';
import type { TrainEvent } from '../train/events.js';

/**
 * The event types the log keeps. Steps, evaluations and epochs are metric points (the recorder's
 * `eventPoints`); how a run ended is its row's status.
 */
export const LOGGED_TYPES: ReadonlySet<TrainEvent['type']> = new Set([
  'start',
  'paused',
  'resumed',
  'lr',
  'histogram',
]);

/** Whether `event` belongs in the event log. */
export const isLogged = (event: TrainEvent): boolean => LOGGED_TYPES.has(event.type);

/** One logged event, with its number in the store. */
export interface LoggedEvent {
  readonly id: number;
  readonly runId: string;
  readonly event: TrainEvent;
}

interface Row {
  id: number;
  run_id: string;
  data: string;
}

/** The step an event belongs to (a start event: the step it starts after, 0 for a fresh run). */
function stepOf(event: TrainEvent): number {
  return 'step' in event && typeof event.step === 'number' ? event.step : 0;
}

/** Prepared statements over one connection. */
export class EventLog {
  readonly #insert: Database.Statement;
  readonly #after: Database.Statement;
  readonly #ofRun: Database.Statement;
  readonly #truncate: Database.Statement;
  readonly #last: Database.Statement;

  constructor(db: Database.Database) {
    this.#insert = db.prepare('INSERT INTO run_events (run_id, step, type, data) VALUES (?, ?, ?, ?)');
    this.#after = db.prepare('SELECT id, run_id, data FROM run_events WHERE id > ? ORDER BY id LIMIT ?');
    this.#ofRun = db.prepare('SELECT id, run_id, data FROM run_events WHERE run_id = ? ORDER BY id');
    this.#truncate = db.prepare('DELETE FROM run_events WHERE run_id = ? AND step > ?');
    this.#last = db.prepare('SELECT coalesce(max(id), 0) AS id FROM run_events');
  }

  /** Appends `events` (inside the caller's transaction). */
  insert(runId: string, events: readonly TrainEvent[]): void {
    for (const e of events) this.#insert.run(runId, stepOf(e), e.type, JSON.stringify(e));
  }

  /** Up to `limit` events of every run written after event `afterId`, in the order written. */
  after(afterId: number, limit: number): LoggedEvent[] {
    return (this.#after.all(afterId, limit) as Row[]).flatMap(parse);
  }

  /** Every logged event of one run, in the order written. */
  ofRun(runId: string): LoggedEvent[] {
    return (this.#ofRun.all(runId) as Row[]).flatMap(parse);
  }

  /** The number of the newest event (0 when none). */
  lastId(): number {
    return (this.#last.get() as { id: number }).id;
  }

  /** Deletes a run's events after `step` (a resumed run emits them again from its checkpoint). */
  truncate(runId: string, step: number): void {
    this.#truncate.run(runId, step);
  }
}

/** A row's event; a row whose JSON is broken (written by something else) is skipped, not fatal. */
function parse(row: Row): LoggedEvent[] {
  try {
    const event = JSON.parse(row.data) as TrainEvent;
    return typeof event === 'object' && event !== null && typeof event.type === 'string'
      ? [{ id: row.id, runId: row.run_id, event }]
      : [];
  } catch {
    return [];
  }
}
