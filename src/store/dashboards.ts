// Standing dashboards serving a store: each registers its URL under a lease (pid, host, expiry,
// renewed like a run's), so `train` and `lab` find one instead of starting a second server.

import type Database from 'better-sqlite3';
import { isHeld, type Lease } from './lease.js';

/** A standing dashboard that serves the store. */
export interface StandingDashboard {
  readonly url: string;
  readonly pid: number;
  readonly host: string;
}

interface Row {
  url: string;
  pid: number;
  host: string;
  expires_at: number;
}

/** Prepared statements over one connection. */
export class DashboardRegistry {
  readonly #put: Database.Statement;
  readonly #renew: Database.Statement;
  readonly #remove: Database.Statement;
  readonly #all: Database.Statement;

  constructor(db: Database.Database) {
    this.#put = db.prepare(
      'INSERT OR REPLACE INTO dashboards (url, pid, host, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.#renew = db.prepare('UPDATE dashboards SET expires_at = ? WHERE url = ? AND pid = ? AND host = ?');
    this.#remove = db.prepare('DELETE FROM dashboards WHERE url = ? AND pid = ? AND host = ?');
    this.#all = db.prepare('SELECT url, pid, host, expires_at FROM dashboards ORDER BY expires_at DESC');
  }

  /** Registers (or re-registers) `url` under `lease`. */
  put(url: string, lease: Lease): void {
    this.#put.run(url, lease.pid, lease.host, lease.expiresAt);
  }

  /** Renews `url`'s lease; false when its row is gone (removed by someone else). */
  renew(url: string, lease: Lease): boolean {
    return this.#renew.run(lease.expiresAt, url, lease.pid, lease.host).changes > 0;
  }

  /** Removes `url` when this lease's process registered it. */
  remove(url: string, lease: Lease): void {
    this.#remove.run(url, lease.pid, lease.host);
  }

  /** The standing dashboards whose lease is live, newest lease first. */
  live(now: number): StandingDashboard[] {
    return (this.#all.all() as Row[])
      .filter((r) => isHeld({ pid: r.pid, host: r.host, expiresAt: r.expires_at }, now, now))
      .map(({ url, pid, host }) => ({ url, pid, host }));
  }
}
