// A live run on the dashboard server: deltas for frames, snapshots, downsampling, state from events.

import { describe, expect, it } from 'vitest';
import { createController } from '../../src/pipeline/controller.js';
import { LiveRun } from '../../src/server/live-run.js';
import type { TrainEvent } from '../../src/train/events.js';

const step = (n: number, loss = 1 / n): TrainEvent => ({
  type: 'step',
  step: n,
  epoch: 0,
  loss,
  lr: undefined,
  samples: 10,
  samplesPerSecond: 100,
  elapsedMs: n,
  skipped: !Number.isFinite(loss),
  gradNorm: 1,
});
const histogram = (step: number, layer: string): TrainEvent => ({
  type: 'histogram',
  step,
  layer,
  kind: 'weights',
  edges: [0, 1],
  counts: [step],
});

describe('LiveRun', () => {
  describe('#takeUpdate', () => {
    it('returns what arrived since the previous call, then nothing', () => {
      const r = new LiveRun('r', undefined, false);
      r.ingest(step(1));
      r.ingest(step(2));
      expect(r.takeUpdate()).toMatchObject({
        info: { runId: 'r' },
        steps: { step: [1, 2], lr: [null, null] },
      });
      expect(r.takeUpdate()).toBeUndefined();
      r.ingest(step(3, Number.NaN));
      expect(r.takeUpdate()).toEqual({
        runId: 'r',
        steps: expect.objectContaining({ step: [3], loss: [null] }),
      });
    });

    it('downsamples a burst of more than maxPoints new steps (a stored run attached at once)', () => {
      const r = new LiveRun('r', undefined, false);
      for (let i = 1; i <= 100; i++) r.ingest(step(i));
      expect(r.takeUpdate(1000)?.steps?.step).toHaveLength(100);
      for (let i = 101; i <= 5000; i++) r.ingest(step(i, i === 4321 ? 99 : 1));
      const burst = r.takeUpdate(100)?.steps?.step ?? [];
      expect(burst.length).toBeLessThanOrEqual(102);
      expect([burst[0], burst.at(-1)]).toEqual([101, 5000]);
      expect(burst).toContain(4321);
    });

    it('carries only the latest histogram per layer and kind', () => {
      const r = new LiveRun('r', undefined, false);
      r.takeUpdate();
      for (const e of [histogram(1, 'a'), histogram(2, 'a'), histogram(2, 'b')]) r.ingest(e);
      expect(r.takeUpdate()?.histograms?.map((h) => [h.layer, h.step])).toEqual([
        ['a', 2],
        ['b', 2],
      ]);
    });

    it('follows the run state through pause, resume, lr and end', () => {
      const r = new LiveRun('r', createController(), true);
      expect(r.takeUpdate()?.info?.controllable).toBe(true);
      r.ingest({ type: 'paused', step: 3 });
      expect(r.takeUpdate()?.state).toEqual({ status: 'paused', lrOverride: null, endReason: null });
      r.ingest({ type: 'resumed', step: 3 });
      r.ingest({ type: 'lr', step: 3, lr: 0.5 });
      expect(r.takeUpdate()?.state).toEqual({ status: 'running', lrOverride: 0.5, endReason: null });
      r.ingest({ type: 'end', step: 9, reason: 'stopped', elapsedMs: 1, skippedSteps: 0 });
      expect(r.takeUpdate()?.state).toMatchObject({ status: 'ended', endReason: 'stopped' });
    });
  });

  describe('#snapshot', () => {
    it('holds only what frames already carried, so a snapshot plus later frames has each step once', () => {
      const r = new LiveRun('r', undefined, false);
      r.ingest(step(1));
      r.takeUpdate();
      r.ingest(step(2));
      expect(r.snapshot(100).steps?.step).toEqual([1]);
      expect(r.takeUpdate()?.steps?.step).toEqual([2]);
      expect(r.snapshot(100).steps?.step).toEqual([1, 2]);
    });

    it('downsamples long histories with min/max buckets, keeping a spike', () => {
      const r = new LiveRun('r', undefined, false);
      for (let i = 1; i <= 10_000; i++) r.ingest(step(i, i === 7777 ? 99 : 1 / i));
      r.takeUpdate();
      const steps = r.snapshot(500).steps!;
      expect(steps.step.length).toBeLessThanOrEqual(502);
      expect(steps.step).toContain(7777);
      expect(Math.max(...(steps.loss as number[]))).toBe(99);
      expect(steps.step.at(-1)).toBe(10_000);
    });

    it('becomes controllable when a controller arrives after the run (a path attached first)', () => {
      const r = new LiveRun('p', undefined, true);
      r.setController(createController(), true);
      expect(r.snapshot(10).info?.controllable).toBe(true);
    });

    it('makes controllable false without a controller or without server control', () => {
      expect(new LiveRun('a', undefined, true).snapshot(10).info?.controllable).toBe(false);
      expect(new LiveRun('b', createController(), false).snapshot(10).info?.controllable).toBe(false);
    });
  });
});

describe('LiveRun history bound', () => {
  it('holds at most maxStepRows rows; frames still carry every step once, snapshots keep the spikes', () => {
    const max = 64;
    const r = new LiveRun('r', undefined, false, max);
    const framed: number[] = [];
    for (let n = 1; n <= 1000; n++) {
      r.ingest(step(n, n === 500 ? 99 : 1 / n)); // one spike
      if (n % 7 === 0) framed.push(...(r.takeUpdate()?.steps?.step ?? []));
      const held = r.snapshot(1e9).steps?.step.length ?? 0;
      expect(held).toBeLessThanOrEqual(max);
    }
    framed.push(...(r.takeUpdate()?.steps?.step ?? []));
    expect(framed).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const snapshot = r.snapshot(1e9).steps!;
    expect(snapshot.step[0]).toBe(1);
    expect(snapshot.step.at(-1)).toBe(1000);
    expect(snapshot.loss[snapshot.step.indexOf(500)]).toBe(99);
    expect([...snapshot.step].sort((a, b) => a - b)).toEqual(snapshot.step); // still in step order
  });
});
