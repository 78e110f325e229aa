// Steering through the store: a standing dashboard writes a control request for a run, and the
// process that trains the run takes it at its next poll (see `followControls`). The store is the one
// channel every process on the machine already shares, so no port or socket is needed between them.

import type Database from 'better-sqlite3';
import { CONTROL_ACTIONS, type ControlAction } from '../protocol/control.js';

/** One request: an action, and for `setLearningRate` the rate (`null`: back to the schedule). */
export interface ControlRequest {
  readonly id: number;
  readonly action: ControlAction;
  readonly lr: number | null;
}

interface Row {
  id: number;
  action: string;
  lr: number | null;
}

/** Prepared statements over one connection. */
export class ControlQueue {
  readonly #insert: Database.Statement;
  readonly #pending: Database.Statement;
  readonly #mark: Database.Statement;
  readonly #take: Database.Transaction<(runId: string, now: number) => ControlRequest[]>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare('INSERT INTO controls (run_id, action, lr, sent_at) VALUES (?, ?, ?, ?)');
    this.#pending = db.prepare(
      'SELECT id, action, lr FROM controls WHERE run_id = ? AND taken_at IS NULL ORDER BY id',
    );
    this.#mark = db.prepare(
      'UPDATE controls SET taken_at = ? WHERE run_id = ? AND taken_at IS NULL AND id <= ?',
    );
    this.#take = db.transaction((runId: string, now: number) => {
      const rows = this.#pending.all(runId) as Row[];
      if (rows.length > 0) this.#mark.run(now, runId, rows.at(-1)!.id);
      // A row another program wrote with an unknown action is taken (so it is not seen again) and ignored.
      return rows.filter((r) =>
        (CONTROL_ACTIONS as readonly string[]).includes(r.action),
      ) as ControlRequest[];
    });
  }

  /** Queues a request for run `runId`. */
  send(runId: string, action: ControlAction, lr: number | null, now: number): void {
    this.#insert.run(runId, action, lr, now);
  }

  /** The run's requests not taken yet, in the order sent, marked taken (one transaction). */
  take(runId: string, now: number): ControlRequest[] {
    return this.#take.immediate(runId, now);
  }

  /** Whether the run has requests nobody has taken (a cheap read, no write lock). */
  hasPending(runId: string): boolean {
    return this.#pending.all(runId).length > 0;
  }
}
