import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, from, NEVER, Observable, Subject, throwError } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GradstreamError } from '../../src/errors.js';
import { createRunRecorder, eventPoints, type RunRecorder, recordRun } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';
import type { StepEvent, TrainEvent } from '../../src/train/events.js';
import { mountSmallDisk, type SmallDisk } from './tmpfs.js';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-recorder-'));
  store = RunStore.open({ dir });
  store.createRun({ id: 'r', config: {} });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function step(n: number, loss = 1 / n): StepEvent {
  return {
    type: 'step',
    step: n,
    epoch: 0,
    loss,
    lr: 0.01,
    samples: 10,
    samplesPerSecond: 1000,
    elapsedMs: n * 5,
    skipped: false,
    gradNorm: 2,
  };
}

const end = (n: number): TrainEvent => ({
  type: 'end',
  step: n,
  reason: 'completed',
  elapsedMs: 99,
  skippedSteps: 0,
});

describe('eventPoints', () => {
  it('turns steps, evaluations and epochs into named points', () => {
    expect(eventPoints({ ...step(3, 0.5), skipped: true }).map((p) => [p.name, p.value])).toEqual([
      ['loss', 0.5],
      ['samplesPerSecond', 1000],
      ['elapsedMs', 15],
      ['epoch', 0],
      ['gradNorm', 2],
      ['lr', 0.01],
      ['skipped', 1],
    ]);
    expect(eventPoints({ ...step(3), lr: undefined }).map((p) => p.name)).not.toContain('lr');
    expect(
      eventPoints({ type: 'eval', step: 7, epoch: 1, split: 'validation', loss: 0.3, accuracy: 0.9, n: 500 }),
    ).toEqual([
      { step: 7, name: 'validation.loss', value: 0.3 },
      { step: 7, name: 'validation.accuracy', value: 0.9 },
      { step: 7, name: 'validation.n', value: 500 },
    ]);
    expect(eventPoints({ type: 'epoch', epoch: 0, step: 10, meanLoss: 0.7 })).toEqual([
      { step: 10, name: 'epoch.meanLoss', value: 0.7 },
    ]);
    expect(eventPoints({ type: 'paused', step: 3 })).toEqual([]);
  });
});

describe('createRunRecorder', () => {
  it('buffers points and writes them on the timer, not per event', async () => {
    const recorder = createRunRecorder(store, 'r', { flushMs: 30 });
    recorder.record(step(1));
    expect(recorder.pending).toBe(6);
    expect(store.metrics('r')).toEqual([]);
    await new Promise((r) => setTimeout(r, 120));
    expect(recorder.pending).toBe(0);
    expect(store.metrics('r')).toHaveLength(6);
    recorder.close();
  });

  it('writes at once when maxRows points are pending', () => {
    const recorder = createRunRecorder(store, 'r', { flushMs: 60_000, maxRows: 12 });
    recorder.record(step(1));
    expect(store.metrics('r')).toHaveLength(0);
    recorder.record(step(2));
    expect(store.metrics('r')).toHaveLength(12);
    recorder.close();
  });

  it('ends the run on an end event with the last value of every metric as final metrics', () => {
    const recorder = createRunRecorder(store, 'r', { flushMs: 60_000 });
    for (let n = 1; n <= 3; n++) recorder.record(step(n));
    recorder.record({
      type: 'eval',
      step: 3,
      epoch: 0,
      split: 'validation',
      loss: 0.4,
      accuracy: 0.8,
      n: 10,
    });
    recorder.record(end(3));
    const run = store.getRun('r');
    expect(run?.status).toBe('completed');
    expect(run?.finalMetrics).toMatchObject({
      loss: 1 / 3,
      'validation.accuracy': 0.8,
      steps: 3,
      elapsedMs: 99,
      skippedSteps: 0,
    });
    expect(store.metrics('r')).toHaveLength(21);
    recorder.close('failed');
    expect(store.getRun('r')?.status).toBe('completed');
  });

  it('flushes on close and sets the given status and error', () => {
    const recorder = createRunRecorder(store, 'r', { flushMs: 60_000 });
    recorder.record(step(1));
    recorder.close('failed', 'boom');
    expect(store.metrics('r')).toHaveLength(6);
    expect(store.getRun('r')).toMatchObject({ status: 'failed', error: 'boom' });
    recorder.record(step(2));
    expect(recorder.pending).toBe(0);
  });

  it('reports a write refused twice in a row as ERR_WRITE naming the lost steps, and writes nothing more', async () => {
    const errors: GradstreamError[] = [];
    const recorder = createRunRecorder(store, 'no-such-run', { flushMs: 20, onError: (e) => errors.push(e) });
    recorder.record(step(1));
    recorder.record(step(2));
    await new Promise((r) => setTimeout(r, 120));
    expect(errors).toHaveLength(1); // retried once, then given up: reported once
    expect(errors[0].code).toBe('ERR_WRITE');
    expect(errors[0].message).toMatch(
      /^run store .*\.db: metrics could not be written \(FOREIGN KEY constraint failed\); the run stops, and its metrics from step 1 on are lost$/,
    );
    expect(recorder.failure).toBe(errors[0]);
    recorder.close();
  });
});

describe('recordRun', () => {
  it('records a stream and marks it completed when it completes', () => {
    const events = [step(1), step(2)];
    from(events).pipe(recordRun(store, 'r')).subscribe();
    expect(store.getRun('r')?.status).toBe('completed');
    expect(store.metrics('r')).toHaveLength(12);
  });

  it('marks the run failed on error, with the message', () => {
    concat(
      from([step(1)]),
      throwError(() => new Error('NaN loss')),
    )
      .pipe(recordRun(store, 'r'))
      .subscribe({ error: () => {} });
    expect(store.getRun('r')).toMatchObject({ status: 'failed', error: 'NaN loss' });
    expect(store.metrics('r')).toHaveLength(6);
  });

  it('marks the run stopped when unsubscribed early', () => {
    const events = new Subject<TrainEvent>();
    const sub = concat(events, NEVER).pipe(recordRun(store, 'r')).subscribe();
    events.next(step(1));
    sub.unsubscribe();
    expect(store.getRun('r')?.status).toBe('stopped');
    expect(store.metrics('r')).toHaveLength(6);
  });

  it('keeps the end event’s status when the stream then completes', () => {
    from([step(1), { ...end(1), reason: 'stopped' } as TrainEvent])
      .pipe(recordRun(store, 'r'))
      .subscribe();
    expect(store.getRun('r')?.status).toBe('stopped');
  });
});

describe('recordRun on a full disk (a real tmpfs)', () => {
  let disk: SmallDisk;
  let full: RunStore;
  beforeEach(() => {
    disk = mountSmallDisk(2 * 2 ** 20);
    full = RunStore.open({ dir: join(disk.dir, 'runs') });
    full.createRun({ id: 'r', config: {} });
  });
  afterEach(() => {
    full.close();
    disk.unmount();
  });

  it('retries a refused write once: space back before the retry, nothing is lost', () => {
    const events = new Subject<TrainEvent>();
    const errors: unknown[] = [];
    let recorder: RunRecorder | undefined;
    events
      .pipe(
        recordRun(full, 'r', {
          flushMs: 60_000,
          onRecorder: (r) => {
            recorder = r;
          },
        }),
      )
      .subscribe({ error: (e) => errors.push(e) });
    disk.fill();
    for (let n = 1; n <= 300; n++) events.next(step(n));
    recorder?.flush(); // refused: the disk is full
    expect(recorder?.pending).toBe(300 * 6);
    disk.free();
    recorder?.flush(); // the retry
    expect(recorder?.pending).toBe(0);
    events.complete();
    expect(errors).toEqual([]);
    expect(full.getRun('r')?.status).toBe('completed');
    expect(full.metrics('r')).toHaveLength(300 * 6);
  });

  it('fails the run with ERR_WRITE when the disk stays full, saying the failure could not be recorded', async () => {
    const events = new Subject<TrainEvent>();
    let stopped = false;
    const source = new Observable<TrainEvent>((subscriber) => {
      const sub = events.subscribe(subscriber);
      return () => {
        stopped = true; // the run itself is unsubscribed: training stops
        sub.unsubscribe();
      };
    });
    const failed = new Promise<GradstreamError>((resolve) =>
      source.pipe(recordRun(full, 'r', { flushMs: 30 })).subscribe({ error: resolve }),
    );
    events.next(step(1));
    full.updateRun('r', { status: 'running' });
    disk.fill();
    for (let n = 2; n <= 400; n++) events.next(step(n));
    const error = await failed;
    expect(error.code).toBe('ERR_WRITE');
    expect(error.message).toMatch(
      /metrics could not be written \(the disk is full .*\); the run stops, and its metrics from step \d+ on are lost; the store could not record the failure either \(the disk is full .*\): the run reads interrupted once its lease expires$/,
    );
    expect(stopped).toBe(true);
    disk.free();
    // The status could be written or not (SQLite may have room for it): either way it is not 'completed'.
    expect(full.getRun('r')?.status).not.toBe('completed');
  });
});
