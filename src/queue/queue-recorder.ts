// The hub across machines: `gradstream dashboard --queue URL` records every queued run in its run
// store as it trains on whatever worker holds it, so the standing page (which follows the store),
// the runs table and the history show remote runs as local ones. Each run's relayed events are read
// from Redis and recorded in batches; the store's control requests for it are sent on to its worker.
// A run whose row another live process records (a `train --queue` submitter on the same store) is
// left to it. Redis going away is waited out: every connection reconnects with backoff, a run's
// stream is read again from its start when its reader failed, and what is already recorded is not
// recorded again.

import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { BehaviorSubject, type Subscription } from 'rxjs';
import type { ControlState, RunController } from '../pipeline/controller.js';
import { followControls } from '../store/follow-controls.js';
import { isOwnLease } from '../store/lease.js';
import { createRunRecorder, type RunRecorder } from '../store/recorder.js';
import type { RunStore } from '../store/run-store.js';
import type { TrainEvent } from '../train/events.js';
import { FINISHED_TTL_SECONDS, KEY_PREFIX, RUN_QUEUE, runKeys } from './keys.js';
import { parseQueueUrl, type QueueConnection } from './queue-url.js';
import { readRelay } from './relay.js';
import { type QueuedRun, queuedRunSchema } from './run-queued.js';
import { sendRemoteControl } from './submit.js';

/** Options of {@link recordQueue}. */
export interface QueueRecorderOptions {
  /** The queue's Redis URL (shown only masked). */
  readonly queue: string;
  /**
   * How often to list the queue's active runs besides following its events (a run a worker took
   * while Redis was away, a run whose other recorder stopped). Default 5000 ms.
   */
  readonly scanMs?: number;
  /** How often control requests are taken from the store. Default 200 ms. */
  readonly controlPollMs?: number;
  /** How often recorded points are written. Default 250 ms (the recorder's). */
  readonly flushMs?: number;
  /** Runs taken on, ended, failed; Redis problems once per spell. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A running queue recorder (see {@link recordQueue}). */
export interface QueueRecorder {
  /** The queue's URL, credentials masked. */
  readonly shown: string;
  /** Resolves once the queue's event feed is connected and its runs were listed a first time. */
  readonly ready: Promise<void>;
  /** The runs being recorded now. */
  readonly runIds: readonly string[];
  /** Lists the queue's active runs now and follows those not followed yet. */
  scan(): Promise<void>;
  /**
   * Stops following. Runs still training keep their rows `running` (they read `interrupted` once this
   * store handle's leases lapse) and the next hub on the store takes them on where this one stopped.
   */
  close(): Promise<void>;
}

/** How many of the newest finished jobs each scan looks at for runs it never saw run. */
const RECENT_FINISHED = 100;
/** How many finished runs are read back at once (each holds a connection while its stream is read). */
const CATCH_UP_AT_ONCE = 8;

/** One run being followed. */
interface Followed {
  readonly job: QueuedRun;
  readonly jobId: string;
  readonly reader: Redis;
  readonly seen: SeenEvents;
  subscription?: Subscription;
  recorder?: RunRecorder;
  stopControls?: () => void;
  retry?: ReturnType<typeof setTimeout>;
  lastCheck: number;
  /** Taken on after its job had finished (read back from its stream). */
  readonly finished: boolean;
  /** Events read so far, and as of the check that found the job failed (or gone). */
  events: number;
  endingAt?: number;
  done: boolean;
}

/**
 * Follows every run on the queue at `options.queue` into `store` until closed: the runs being trained
 * now, and every run as a worker takes it. A run's row is created at its first relayed
 * event (`running`, leased to this process, with the job's name and config — never the queue's URL)
 * and ends as the run ends: completed or stopped by its end event, failed when its job failed for good.
 *
 * @throws GradstreamError `ERR_INVALID_OPTION` naming `--queue` when the URL is not a Redis URL.
 *
 * @example
 * const store = RunStore.open({ dir: 'runs' });
 * const recorder = recordQueue(store, { queue: 'redis://queue.local:6379' });
 * // … followStore(store, server) shows the runs …
 * await recorder.close();
 */
export function recordQueue(store: RunStore, options: QueueRecorderOptions): QueueRecorder {
  const address = parseQueueUrl(options.queue, '--queue');
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const say = (line: string) => log(`gradstream: dashboard: queue ${address.shown}: ${line}`);
  const problems = onceASpell(say);
  const connection: QueueConnection = address.connection;
  const commands = new Redis({ ...connection });
  commands.on('error', (error: Error) => problems.say(`${error.message}; reconnecting`));
  const queue = new Queue(RUN_QUEUE, { connection, prefix: KEY_PREFIX });
  queue.on('error', (error: Error) => problems.say(`${error.message}; reconnecting`));
  const followed = new Map<string, Followed>();
  /** Runs whose end this handle recorded: a scan seeing their job still active does not take them again. */
  const ended = new Set<string>();
  /**
   * Runs another live process records (a submitter): looked at by every scan, even after their job
   * ended, so the rest of one whose recorder died is recorded from its stream (kept a day).
   */
  const leftAlone = new Map<string, { data: unknown; jobId: string }>();
  let closed = false;

  const finish = (f: Followed): void => {
    if (f.done) return;
    f.done = true;
    f.subscription?.unsubscribe();
    if (f.retry) clearTimeout(f.retry);
    f.stopControls?.();
    f.reader.disconnect();
    followed.delete(f.job.runId);
  };

  /** The run's row, taken for recording; false when another live process records it (or it has ended). */
  const claim = (f: Followed): boolean => {
    const { runId } = f.job;
    const row = store.getRun(runId);
    if (!row) {
      store.createRun({ id: runId, ...(f.job.name ? { name: f.job.name } : {}), config: rowConfig(f.job) });
    } else if (row.status === 'running') {
      if (!isOwnLease(row.lease)) {
        leftAlone.set(runId, { data: f.job, jobId: f.jobId }); // held by a live submitter recording it
        return false;
      }
      f.seen.seed(store, runId);
    } else if (row.status === 'interrupted') {
      // Its last recorder (a hub or a submitter) died: go on from what it wrote.
      store.claimRun(runId);
      f.seen.seed(store, runId);
    } else return false; // completed, stopped or failed: recorded to its end already
    f.recorder = createRunRecorder(store, runId, {
      ...(options.flushMs !== undefined ? { flushMs: options.flushMs } : {}),
      onError: (error) => {
        say(`run ${runId}: ${error.message}`);
        ended.add(runId); // not taken again by the next scan: the store refuses its writes
        finish(f);
      },
    });
    f.stopControls = followControls(store, runId, remoteController(commands, runId), {
      ...(options.controlPollMs !== undefined ? { pollMs: options.controlPollMs } : {}),
      log,
    });
    say(`recording run ${runId}`);
    return true;
  };

  const onEvent = (f: Followed, event: TrainEvent): void => {
    if (f.done) return;
    if (!f.recorder) {
      let mine: boolean;
      try {
        mine = claim(f);
      } catch (error) {
        say(`run ${f.job.runId}: not recorded: ${(error as Error).message}`);
        mine = false;
      }
      if (!mine) {
        finish(f);
        return;
      }
    }
    f.events++;
    if (!f.seen.fresh(event)) return;
    // A worker that takes the run over (the first died or drained) starts it again from its
    // checkpoint: said, but one run has one start, as a `train --queue` submitter records it.
    if (event.type === 'start' && f.seen.count('start') > 1) {
      say(`run ${f.job.runId}: taken over by another worker, from its newest checkpoint`);
      return;
    }
    f.recorder!.record(event);
    if (event.type === 'end') {
      ended.add(f.job.runId);
      say(`run ${f.job.runId}: ${event.reason} after step ${event.step}`);
      finish(f);
    }
  };

  /** Between reads (at most once a second): a job that failed for good, or was removed, ends its run. */
  const checkJob = async (f: Followed): Promise<void> => {
    if (Date.now() - f.lastCheck < 1000 || f.done) return;
    f.lastCheck = Date.now();
    try {
      const job = await queue.getJob(f.jobId);
      const state = job ? await job.getState() : 'missing';
      if (state !== 'failed' && state !== 'missing') return;
      // Its last events may still be unread: ended once a check finds nothing more was read.
      if (f.endingAt !== f.events) {
        f.endingAt = f.events;
        return;
      }
      const why =
        state === 'failed'
          ? `failed on its worker: ${job?.failedReason}`
          : 'its job was removed from the queue';
      if (f.recorder && !f.done) {
        const unwritten = f.recorder.close('failed', why);
        if (unwritten) say(`run ${f.job.runId}: ${unwritten.message}`);
        ended.add(f.job.runId);
        say(`run ${f.job.runId}: ${why}`);
      }
      finish(f);
    } catch {
      // Redis away: the next read looks again.
    }
  };

  const read = (f: Followed): void => {
    f.seen.newPass();
    f.subscription = readRelay(f.reader, f.job.runId, { onIdle: () => checkJob(f) }).subscribe({
      next: (event) => onEvent(f, event),
      error: (error: unknown) => {
        if (f.done || closed) return;
        // A read that failed (the connection was lost with it): read the stream again from its start;
        // what was recorded already is skipped.
        problems.say(`run ${f.job.runId}: ${(error as Error).message}; reading it again`);
        f.recorder?.flush();
        f.retry = setTimeout(() => read(f), 1000);
      },
    });
  };

  const follow = (data: unknown, jobId: string, finished = false): void => {
    if (closed) return;
    const parsed = queuedRunSchema.safeParse(data);
    if (!parsed.success) return; // not a run (a worker refuses it; nothing is relayed)
    const job = parsed.data;
    if (followed.has(job.runId) || ended.has(job.runId)) return;
    let row: ReturnType<RunStore['getRun']>;
    try {
      row = store.getRun(job.runId);
    } catch (error) {
      problems.say(`run ${job.runId}: the store could not be read: ${(error as Error).message}`);
      return;
    }
    // Ended, or recorded by another live process (a lapsed lease reads `interrupted`): looked at
    // again by the next scan.
    if (row && (row.status === 'completed' || row.status === 'stopped')) return;
    if (row?.status === 'running' && !isOwnLease(row.lease)) {
      leftAlone.set(job.runId, { data, jobId });
      return;
    }
    leftAlone.delete(job.runId);
    const reader = new Redis({ ...connection });
    reader.on('error', () => {}); // said by the command connection; reconnects with backoff
    const f: Followed = {
      job,
      jobId,
      reader,
      seen: seenEvents(),
      lastCheck: 0,
      events: 0,
      done: false,
      finished,
    };
    followed.set(job.runId, f);
    read(f);
  };

  const scan = async (): Promise<void> => {
    if (closed) return;
    try {
      // Active only: a waiting run has no events yet, and one read connection per run is held while
      // it is followed (its stream is read from its start whenever it is taken on: nothing is missed).
      const jobs = await queue.getJobs(['active']);
      for (const job of jobs) if (job?.id) follow(job.data, job.id);
      // Runs that started and ended between two looks, or while no hub ran (a short run, a hub
      // restarted): recorded from their streams, which are kept a day after the run ends.
      let catchingUp = [...followed.values()].filter((f) => f.finished).length;
      for (const job of await queue.getJobs(['completed', 'failed'], 0, RECENT_FINISHED - 1)) {
        if (catchingUp >= CATCH_UP_AT_ONCE) break; // one connection each: the rest at the next scans
        const runId = (job?.data as { runId?: unknown } | undefined)?.runId;
        if (!job?.id || typeof runId !== 'string' || followed.has(runId) || ended.has(runId)) continue;
        if ((job.finishedOn ?? 0) < Date.now() - FINISHED_TTL_SECONDS * 1000) continue;
        const status = store.getRun(runId)?.status;
        if (status === 'completed' || status === 'stopped' || status === 'failed') continue;
        if (status === 'running' || leftAlone.has(runId)) continue; // recorded by a live process (or by us)
        if ((await commands.exists(runKeys(runId).events)) === 0) continue; // nothing left to read
        follow(job.data, job.id, true);
        catchingUp++;
      }
      for (const [runId, { data, jobId }] of leftAlone) {
        const status = store.getRun(runId)?.status;
        if (status === 'running') continue;
        leftAlone.delete(runId);
        if (status === 'interrupted') follow(data, jobId); // its recorder died: the rest is ours
      }
      problems.clear();
    } catch (error) {
      problems.say(`the queue could not be listed: ${(error as Error).message}; retrying`);
    }
  };

  const byId = (jobId: string): void => {
    queue
      .getJob(jobId)
      .then((job) => {
        if (job) follow(job.data, jobId);
      })
      .catch(() => {}); // Redis away: the scan after reconnecting finds it
  };
  // Every (re)connection lists the queue again: events sent while Redis was away are not replayed.
  commands.on('ready', () => {
    if (problems.saying) say('connected again');
    problems.clear();
    void scan();
  });
  const timer = setInterval(() => void scan(), options.scanMs ?? 5000);
  timer.unref();
  // The queue's event feed, once Redis answers: BullMQ's QueueEvents cannot be closed before its
  // first connection (its client would retry for ever), and Redis may not be there yet.
  let events: QueueEvents | undefined;
  const ready = new Promise<void>((resolve) => commands.once('ready', () => resolve())).then(async () => {
    if (closed) return;
    events = new QueueEvents(RUN_QUEUE, { connection, prefix: KEY_PREFIX });
    events.on('error', (error: Error) => problems.say(`${error.message}; reconnecting`));
    events.on('active', ({ jobId }) => byId(jobId));
    await events.waitUntilReady();
    await scan();
  });

  return {
    shown: address.shown,
    ready,
    get runIds() {
      return [...followed.keys()];
    },
    scan,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const f of [...followed.values()]) {
        const unwritten = f.recorder?.close();
        if (unwritten) say(`run ${f.job.runId}: ${unwritten.message}`);
        finish(f);
      }
      // A clean close waits for Redis: bounded, then the connections are dropped (Redis away must not
      // keep Ctrl-C from quitting).
      commands.disconnect();
      const closing = Promise.all([events?.close(), queue.close()]).catch(() => {});
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    },
  };
}

/** The row's config: the job's, as submitted (a `train` run's row holds its config the same way). */
function rowConfig(job: QueuedRun): object {
  return typeof job.config === 'object' && job.config !== null ? job.config : {};
}

/** A controller whose actions are sent to the worker training `runId`. */
function remoteController(redis: Redis, runId: string): RunController {
  const subject = new BehaviorSubject<ControlState>({ paused: false, stopped: false, lrOverride: undefined });
  const send = (message: object, patch: Partial<ControlState>) => {
    subject.next({ ...subject.value, ...patch });
    // Redis away: the command waits in the client's queue and is sent on reconnect.
    void sendRemoteControl(redis, runId, message).catch(() => {});
  };
  return {
    pause: () => send({ action: 'pause' }, { paused: true }),
    resume: () => send({ action: 'resume' }, { paused: false }),
    stop: () => send({ action: 'stop' }, { stopped: true, paused: false }),
    setLearningRate: (lr) => send({ action: 'setLearningRate', lr: lr ?? null }, { lrOverride: lr }),
    get state() {
      return subject.value;
    },
    state$: subject.asObservable(),
  };
}

/** Says a problem once until `clear()` (Redis away must not flood the terminal); `saying` until then. */
function onceASpell(say: (line: string) => void): {
  say(line: string): void;
  clear(): void;
  readonly saying: boolean;
} {
  let last = '';
  return {
    say(line) {
      if (line !== last) say(line);
      last = line;
    },
    clear() {
      last = '';
    },
    get saying() {
      return last !== '';
    },
  };
}

/** What of a run's stream is recorded already: see {@link seenEvents}. */
interface SeenEvents {
  /** Starts a read of the stream from its beginning. */
  newPass(): void;
  /** Counts what `store` holds of the run as seen (a run another recorder had before). */
  seed(store: RunStore, runId: string): void;
  /** Whether `event` is to be recorded (and, if so, counts it as seen). */
  fresh(event: TrainEvent): boolean;
  /** Starts or control events of `type` seen (recorded, or read anew). */
  count(type: 'start' | 'paused' | 'resumed' | 'lr'): number;
}

const CONTROL_TYPES = new Set<TrainEvent['type']>(['start', 'paused', 'resumed', 'lr']);

/**
 * The events of a run already recorded. Points (steps, evaluations, epochs, histograms) are known by
 * their step: one at or before the last of its kind was recorded (or is a worker's replay after a
 * takeover). Starts and control events have no step of their own to tell them by: they are counted
 * in stream order, so a read of the stream from its start skips as many as were recorded.
 */
function seenEvents(): SeenEvents {
  const last = new Map<string, number>();
  const counts = new Map<string, number>();
  let pass = new Map<string, number>();
  return {
    newPass() {
      pass = new Map();
    },
    seed(store, runId) {
      for (const m of store.metricSummary(runId)) {
        const kind =
          m.name === 'loss'
            ? 'step'
            : m.name === 'epoch.meanLoss'
              ? 'epoch'
              : m.name.endsWith('.loss')
                ? `eval/${m.name.slice(0, -'.loss'.length)}`
                : undefined;
        if (kind) last.set(kind, Math.max(last.get(kind) ?? -1, m.lastStep));
      }
      for (const { event } of store.loggedEvents(runId)) {
        if (event.type === 'histogram') {
          const kind = `histogram/${event.layer}/${event.kind}`;
          last.set(kind, Math.max(last.get(kind) ?? -1, event.step));
        } else if (CONTROL_TYPES.has(event.type)) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
      }
    },
    fresh(e) {
      const kind =
        e.type === 'step'
          ? 'step'
          : e.type === 'eval'
            ? `eval/${e.split}`
            : e.type === 'epoch'
              ? 'epoch'
              : e.type === 'histogram'
                ? `histogram/${e.layer}/${e.kind}`
                : undefined;
      if (kind !== undefined && 'step' in e) {
        if (e.step <= (last.get(kind) ?? -1)) return false;
        last.set(kind, e.step);
        return true;
      }
      if (!CONTROL_TYPES.has(e.type)) return true;
      const n = (pass.get(e.type) ?? 0) + 1;
      pass.set(e.type, n);
      if (n <= (counts.get(e.type) ?? 0)) return false;
      counts.set(e.type, n);
      return true;
    },
    count: (type) => counts.get(type) ?? 0,
  };
}
