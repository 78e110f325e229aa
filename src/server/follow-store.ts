// The standing dashboard's reader: follows every run in a run store as it grows — new runs, their
// metric points, their logged events (starts, pauses, lr changes, histograms), their status — and
// feeds them to a dashboard server as the runs' events. Several trainers write the store; this reads
// it (WAL: it never blocks them) every `pollMs`, reading only what changed.

import { Subject } from 'rxjs';
import type { LoggedEvent } from '../store/event-log.js';
import type { RunRecord, RunStatus } from '../store/run-record.js';
import type { RunStore } from '../store/run-store.js';
import { mergeByStep, pointEvents, startEventOf } from '../store/stored-events.js';
import type { StartEvent, TrainEvent } from '../train/events.js';
import type { DashboardServer } from './dashboard-server.js';
import { storeController } from './store-controller.js';

/** Options of {@link followStore}. */
export interface FollowStoreOptions {
  /** How often to read the store. Default 200 ms. */
  readonly pollMs?: number;
  /** The newest runs shown at start (older ones stay in the store); new runs are always shown. Default 20. */
  readonly limit?: number;
  /** Steer running runs through the store (needs a writable store handle). Default false. */
  readonly control?: boolean;
  /** A read that failed (the store is busy or damaged): said once per spell. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A running follower (see {@link followStore}). */
export interface StoreFollower {
  /** Reads what changed now (the timer does this every `pollMs`). */
  poll(): void;
  /** Stops reading; the runs stay on the server as they are. */
  stop(): void;
  /** The ids of the runs followed. */
  readonly runIds: readonly string[];
}

/** What the follower knows of one run. */
interface Followed {
  readonly events: Subject<TrainEvent>;
  /** The highest step read, and the metric names read at it (a later write may add more there). */
  lastStep: number;
  namesAtLast: Set<string>;
  updatedAt: number;
  skipped: number;
  lastElapsedMs: number;
  /** The status last shown as an end (`running`: not ended). */
  shown: RunStatus;
}

/**
 * Follows `store` onto `server`: the newest `limit` runs at once, with their whole history, then
 * every run created after, live. A run ends on the page as its row says (completed, stopped, failed,
 * or interrupted once its lease expires) and comes back to life when resumed.
 *
 * @example
 * const store = RunStore.open({ dir: 'runs' });
 * const server = await startDashboardServer({ port: 0, control: true });
 * const follower = followStore(store, server, { control: true });
 */
export function followStore(
  store: RunStore,
  server: DashboardServer,
  options: FollowStoreOptions = {},
): StoreFollower {
  const limit = options.limit ?? 20;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runs = new Map<string, Followed>();
  /** Runs present at the first read but beyond `limit`: not shown. */
  const passedOver = new Set<string>();
  let first = true;
  let eventCursor = 0;
  let failing = false;

  const attach = (record: RunRecord): void => {
    const events = new Subject<TrainEvent>();
    const f: Followed = {
      events,
      lastStep: -1,
      namesAtLast: new Set(),
      updatedAt: Number.NaN,
      skipped: 0,
      lastElapsedMs: 0,
      shown: 'running',
    };
    runs.set(record.id, f);
    const controller = options.control ? storeController(store, record.id) : undefined;
    server.attachRun(record.id, events.asObservable(), controller);
    // The whole history so far; later reads go on from its last step.
    f.updatedAt = record.updatedAt;
    const logged = store.loggedEvents(record.id).map((l) => l.event);
    const points = readNew(record.id, f);
    events.next(startEventOf(record, logged, Math.max(f.lastStep, 0)));
    emitPoints(f, points, logged);
  };

  const emitPoints = (f: Followed, points: TrainEvent[], logged: TrainEvent[]): void => {
    for (const e of mergeByStep(points, logged)) {
      if (e.type === 'step') f.lastElapsedMs = e.elapsedMs;
      f.events.next(e);
    }
  };

  /** The points written since the last read (the last step's again, less the names already read). */
  const readNew = (runId: string, f: Followed): TrainEvent[] => {
    const from = Math.max(f.lastStep, 0);
    const points = store
      .metricsFrom(runId, from)
      .filter((p) => p.step > f.lastStep || !f.namesAtLast.has(p.name));
    for (const p of points) {
      if (p.step > f.lastStep) {
        f.lastStep = p.step;
        f.namesAtLast = new Set();
      }
      f.namesAtLast.add(p.name);
    }
    const { events, skipped } = pointEvents(points);
    f.skipped += skipped;
    return events;
  };

  const showStatus = (record: RunRecord, f: Followed): void => {
    if (record.status === f.shown) return;
    f.shown = record.status;
    if (record.status === 'running') return; // resumed: its logged start brings it back
    if (record.status === 'failed' || record.status === 'interrupted')
      server.endRun(record.id, record.status);
    else
      f.events.next({
        type: 'end',
        step: Math.max(f.lastStep, 0),
        reason: record.status,
        elapsedMs: f.lastElapsedMs,
        skippedSteps: f.skipped,
      });
  };

  const pollOnce = (): void => {
    const records = store.listRuns();
    if (first) {
      // Events written from here on are read by the next polls; the first read takes each run whole.
      eventCursor = store.lastLoggedEvent();
      for (const r of records.slice(limit)) passedOver.add(r.id);
    }
    const newEvents = first ? [] : store.loggedEventsAfter(eventCursor);
    if (newEvents.length > 0) eventCursor = newEvents.at(-1)!.id;
    const byRun = groupByRun(newEvents);
    // Oldest first, so runs appear on the page in the order they started.
    for (const record of [...records].reverse()) {
      if (passedOver.has(record.id)) continue;
      const f = runs.get(record.id);
      if (!f) {
        attach(record);
        showStatus(record, runs.get(record.id)!);
        continue;
      }
      const logged = byRun.get(record.id) ?? [];
      if (record.updatedAt !== f.updatedAt || logged.length > 0) {
        f.updatedAt = record.updatedAt;
        const starts = logged.filter((e): e is StartEvent => e.type === 'start');
        for (const start of starts) f.events.next(startEventOf(record, [start], f.lastStep));
        emitPoints(f, readNew(record.id, f), logged);
      }
      showStatus(record, f);
    }
    first = false;
  };
  const poll = (): void => {
    try {
      pollOnce();
      failing = false;
    } catch (error) {
      if (!failing)
        log(`gradstream: dashboard: the run store could not be read: ${(error as Error).message}`);
      failing = true;
    }
  };

  // The first read fails loudly (a damaged store is refused before the page is offered); later
  // ones are said and retried.
  pollOnce();
  const timer = setInterval(poll, options.pollMs ?? 200);
  return {
    poll,
    stop() {
      clearInterval(timer);
      for (const f of runs.values()) f.events.complete();
    },
    get runIds() {
      return [...runs.keys()];
    },
  };
}

function groupByRun(events: readonly LoggedEvent[]): Map<string, TrainEvent[]> {
  const byRun = new Map<string, TrainEvent[]>();
  for (const { runId, event } of events) {
    const list = byRun.get(runId) ?? [];
    list.push(event);
    byRun.set(runId, list);
  }
  return byRun;
}
