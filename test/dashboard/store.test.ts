// The page's store: snapshot + frames in strict sequence, resync, buffers, smoothing, toggles.

import { describe, expect, it } from 'vitest';
import { DashboardStore } from '../../dashboard/src/store.js';
import type { HelloMessage, RunUpdate, ServerMessage } from '../../src/protocol/server-messages.js';

const steps = (from: number, to: number) => {
  const step = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return {
    step,
    epoch: step.map(() => 0),
    loss: step.map(() => 1),
    lr: step.map(() => null),
    samplesPerSecond: step.map(() => 5),
    elapsedMs: step,
  };
};
const hello = (seq: number, runs: RunUpdate[] = []): HelloMessage => ({
  v: 1,
  type: 'hello',
  session: 's1',
  seq,
  control: true,
  tokenRequired: false,
  runs,
});
const frame = (seq: number, from: number, to: number): ServerMessage => ({
  v: 1,
  type: 'frame',
  seq,
  time: 0,
  runs: [{ runId: 'r', steps: steps(from, to) }],
});
const stepsOf = (s: DashboardStore) => Array.from(s.runs.get('r')?.steps.column('step') ?? []);

describe('DashboardStore', () => {
  describe('#accept', () => {
    it('shows a refused control message as a warning, and a notice at its own level', () => {
      const s = new DashboardStore();
      const before = s.version;
      s.accept({
        v: 1,
        type: 'refused',
        runId: 'r',
        action: 'setLearningRate',
        reason: 'invalid',
        message: 'setLearningRate: lr must be a finite number in [1.18e-38 (2^-126), 1000], got 1e+308',
      });
      expect(s.notice).toBe(
        'r: setLearningRate refused: setLearningRate: lr must be a finite number in [1.18e-38 (2^-126), 1000], got 1e+308',
      );
      expect(s.noticeLevel).toBe('warn');
      expect(s.version).toBeGreaterThan(before);
      s.accept({ v: 1, type: 'notice', level: 'info', message: 'hi' });
      expect([s.notice, s.noticeLevel]).toEqual(['hi', 'info']);
    });

    it('builds runs from a snapshot, then appends frames in sequence', () => {
      const s = new DashboardStore();
      expect(s.accept(hello(3, [{ runId: 'r', steps: steps(1, 2) }]))).toBe('ok');
      expect(s.accept(frame(4, 3, 5))).toBe('ok');
      expect(stepsOf(s)).toEqual([1, 2, 3, 4, 5]);
      expect(s.seq).toBe(4);
    });

    it('ignores a frame it already has', () => {
      const s = new DashboardStore();
      s.accept(hello(0));
      s.accept(frame(1, 1, 2));
      expect(s.accept(frame(1, 1, 2))).toBe('ok');
      expect(stepsOf(s)).toEqual([1, 2]);
    });

    it('asks for a snapshot on a gap, and ignores frames until it arrives', () => {
      const s = new DashboardStore();
      s.accept(hello(0));
      expect(s.accept(frame(2, 3, 4))).toBe('resync');
      expect(s.accept(frame(3, 5, 5))).toBe('ok');
      expect(stepsOf(s)).toEqual([]);
      s.accept(hello(3, [{ runId: 'r', steps: steps(1, 5) }]));
      expect(s.accept(frame(4, 6, 6))).toBe('ok');
      expect(stepsOf(s)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('accepts a resume only where it left off, in the same session', () => {
      const s = new DashboardStore();
      s.accept(hello(7));
      const resume = {
        v: 1,
        type: 'resume',
        session: 's1',
        from: 8,
        to: 9,
        control: true,
        tokenRequired: false,
      } as const;
      expect(s.accept(resume)).toBe('ok');
      expect(s.accept({ ...resume, from: 9 })).toBe('resync');
      expect(s.accept({ ...resume, session: 's2' })).toBe('resync');
    });

    it('asks for a (downsampled) snapshot when a run outgrows its buffer', () => {
      const s = new DashboardStore(4);
      s.accept(hello(0));
      s.accept(frame(1, 1, 3));
      expect(s.accept(frame(2, 4, 5))).toBe('resync');
    });

    it('keeps run colours and hidden runs across a new snapshot', () => {
      const s = new DashboardStore();
      s.accept(hello(0, [{ runId: 'a' }, { runId: 'b' }]));
      const colours = [...s.runs.values()].map((r) => r.color);
      s.toggle('b');
      s.accept(hello(0, [{ runId: 'b' }, { runId: 'a' }]));
      expect(s.runs.get('a')?.color).toBe(colours[0]);
      expect(s.runs.get('b')?.color).toBe(colours[1]);
      expect(s.runs.get('b')?.visible).toBe(false);
    });
  });

  describe('#setSmoothing', () => {
    it('re-smooths every run with the new weight', () => {
      const s = new DashboardStore();
      const run: RunUpdate = { runId: 'r', steps: { ...steps(1, 2), loss: [4, 0] } };
      s.accept(hello(0, [run]));
      s.setSmoothing(0.5);
      expect(Array.from(s.runs.get('r')!.steps.column('smoothed'))).toEqual([4, 4 / 3]);
      s.setSmoothing(0);
      expect(Array.from(s.runs.get('r')!.steps.column('smoothed'))).toEqual([4, 0]);
    });
  });
});
