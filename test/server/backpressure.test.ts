// A stalled client (it stops reading) is skipped, bounded, and later resynced; nobody else waits —
// not the other clients, and not a real `train()` run on the same event loop.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { endWith, from, interval, mergeMap, type Observable, take, tap } from 'rxjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import type { TrainEvent } from '../../src/train/events.js';
import { realTraining } from '../helpers/real-run.js';
import { mnistData } from '../helpers/training-events.js';
import { connect, isOneToN, statusOf } from './clients.js';

const quiet = () => {};
let server: DashboardServer | undefined;
beforeAll(() => void mnistData());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** 40 histograms of 200 bins every 50 ms, ~300 KB a frame: enough to fill a stalled socket quickly. */
function heavyHistograms(ticks: number): Observable<TrainEvent> {
  const counts = Array.from({ length: 200 }, (_, i) => i * 1.2345678);
  const edges = Array.from({ length: 201 }, (_, i) => i * 0.00123456789);
  const batch = (step: number) =>
    Array.from(
      { length: 40 },
      (_, l): TrainEvent => ({ type: 'histogram', step, layer: `l${l}`, kind: 'weights', edges, counts }),
    );
  const end: TrainEvent = { type: 'end', step: ticks, reason: 'completed', elapsedMs: 0, skippedSteps: 0 };
  return interval(50).pipe(
    take(ticks),
    mergeMap((t) => from(batch(t))),
    endWith(end),
  );
}

describe('startDashboardServer', () => {
  describe('#backpressure', () => {
    it('skips a stalled client without delaying the others or training, and bounds its buffer', async () => {
      const budgetBytes = 256 * 1024;
      server = await startDashboardServer({ port: 0, budgetBytes, heartbeatMs: 60_000, log: quiet });
      const healthy = await Promise.all([0, 1, 2].map(() => connect(server!.port)));
      const stalled = await connect(server.port);
      await stalled.until(() => stalled.messages.length > 0);
      // Stop reading: the kernel's socket buffers fill, then ws's send buffer (bufferedAmount) grows.
      stalled.ws.pause();
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      server.attachRun('heavy', heavyHistograms(100));
      // train() on 2 workers: 3 epochs of 40 steps, with its own histograms every 10 steps. The event
      // loop is watched from its first step on: train()'s set-up (shared memory, the pool) is not
      // what this test is about.
      const run = realTraining({ epochs: 3, workers: 2, seed: 1, histogramEvery: 10 });
      server.attachRun(
        'mnist',
        run.pipe(tap((e) => e.type === 'step' && e.step === 1 && loopDelay.enable())),
      );
      let maxBuffered = 0;
      const sampler = setInterval(() => {
        maxBuffered = Math.max(maxBuffered, server!.stats().clients[3].bufferedAmount);
      }, 10);
      const ended = (runId: string) =>
        Promise.all(healthy.map((c) => c.until(() => statusOf(c, runId) === 'ended')));
      await Promise.all([ended('mnist'), ended('heavy')]);
      clearInterval(sampler);
      loopDelay.disable();
      const stats = server.stats();
      const largestFrame = Math.max(...healthy[0].raw.map((r) => Buffer.byteLength(r)));

      // The healthy clients got every frame, in order, and every training step.
      for (const [i, c] of healthy.entries()) {
        expect(c.problems).toEqual([]);
        expect(isOneToN(c.steps.get('mnist') ?? [], 120)).toBe(true);
        expect(stats.clients[i].framesSkipped).toBe(0);
      }
      // The stalled one was skipped, and its send buffer stayed within the budget plus one message.
      expect(stats.clients[3].framesSkipped).toBeGreaterThan(3);
      expect(maxBuffered).toBeLessThanOrEqual(budgetBytes + largestFrame);
      // Nothing waited on the stalled socket: broadcast rounds stayed short and the event loop that
      // training runs on kept turning (the bound is loose: the in-process clients parse ~3 MB/s too).
      expect(stats.maxTickMs, 'the slowest broadcast round, ms').toBeLessThan(200);
      expect(loopDelay.max / 1e6, 'the longest event-loop delay while training, ms').toBeLessThan(750);

      // Once it reads again, it gets the latest state (a snapshot), not the backlog it missed.
      stalled.ws.resume();
      await stalled.until(() => stalled.messages.filter((m) => m.type === 'hello').length === 2);
      expect(stalled.problems).toEqual([]);
      expect(isOneToN(stalled.steps.get('mnist') ?? [], 120)).toBe(true);
    });
  });
});
