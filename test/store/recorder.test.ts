import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, from, NEVER, Subject, throwError } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunRecorder, eventPoints, recordRun } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';
import type { StepEvent, TrainEvent } from '../../src/train/events.js';

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

  it('reports a failed background write instead of throwing into training', async () => {
    const errors: unknown[] = [];
    const recorder = createRunRecorder(store, 'no-such-run', { flushMs: 20, onError: (e) => errors.push(e) });
    recorder.record(step(1));
    await new Promise((r) => setTimeout(r, 80));
    expect(errors.length).toBeGreaterThan(0);
    expect(String(errors[0])).toMatch(/FOREIGN KEY/);
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
