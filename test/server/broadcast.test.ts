// The broadcast loop with real ws clients on port 0: identical frames for 100 clients during a real
// `train()` run, coalescing, and what a frame carries of a real run (config, evaluations).

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createController } from '../../src/pipeline/controller.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { pauseAt, realTraining } from '../helpers/real-run.js';
import { mnistData, trainingEvents } from '../helpers/training-events.js';
import { connect, isOneToN, pausedAt, statusOf, type TestClient } from './clients.js';

const quiet = () => {};
let server: DashboardServer | undefined;
beforeAll(() => void mnistData());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Frames (by raw text) a client received, skipping its first message (the hello). */
const frames = (c: TestClient) => c.raw.filter((_, i) => c.messages[i]?.type === 'frame');

describe('startDashboardServer', () => {
  describe('#broadcast', () => {
    it('sends 100 clients the same frames during a real training run', async () => {
      server = await startDashboardServer({ port: 0, log: quiet });
      const clients = await Promise.all(Array.from({ length: 100 }, () => connect(server!.port)));
      // train() on 2 workers, 2 epochs of 40 steps, held at three steps until every client has seen
      // the pause: at least one frame each, whatever the machine's speed.
      const controller = createController();
      const pauses = [20, 40, 60];
      const run = realTraining({ epochs: 2, workers: 2, seed: 1, controller });
      server.attachRun('mnist', run.pipe(pauseAt(controller, pauses)), controller);
      for (const step of pauses) {
        await Promise.all(clients.map((c) => c.until(() => pausedAt(c, 'mnist', step))));
        controller.resume();
      }
      await Promise.all(clients.map((c) => c.until(() => statusOf(c, 'mnist') === 'ended')));
      const reference = frames(clients[0]);
      expect(reference.length).toBeGreaterThan(pauses.length);
      for (const c of clients) {
        expect(c.problems).toEqual([]);
        expect(c.messages[0].type).toBe('hello');
        expect(frames(c)).toEqual(reference);
        expect(isOneToN(c.steps.get('mnist') ?? [], 80)).toBe(true);
      }
      await Promise.all(clients.map((c) => c.ws.close()));
    });

    it('coalesces events into at most one frame per interval', async () => {
      server = await startDashboardServer({ port: 0, intervalMs: 100, log: quiet });
      const client = await connect(server.port);
      server.attachRun('fast', trainingEvents({ epochs: 3, stepsPerChunk: 1 }));
      await client.until(() => statusOf(client, 'fast') === 'ended');
      const times = client.messages.flatMap((m) => (m.type === 'frame' ? [m.time] : []));
      const steps = client.steps.get('fast') ?? [];
      // 60 steps arrive in far fewer frames than steps, spaced by the interval (timer jitter allowed).
      expect(isOneToN(steps, 60)).toBe(true);
      expect(times.length).toBeLessThan(steps.length / 2);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(90);
      client.ws.close();
    });

    it('sends columnar step metrics that carry the run config and evaluations', async () => {
      server = await startDashboardServer({ port: 0, log: quiet });
      const client = await connect(server.port);
      // train(): 2 epochs of 5 steps, validation at each epoch's end, the test set after the last step.
      const run = realTraining({
        trainSize: 500,
        batchSize: 100,
        epochs: 2,
        testSize: 500,
        workers: 1,
        seed: 1,
      });
      server.attachRun('cfg', run);
      await client.until(() => statusOf(client, 'cfg') === 'ended');
      const updates = client.messages.flatMap((m) => (m.type === 'frame' ? m.runs : []));
      const info = updates.find((u) => u.info?.totalSteps)?.info;
      expect(info).toMatchObject({ runId: 'cfg', totalSteps: 10, stepsPerEpoch: 5, controllable: false });
      const steps = updates.flatMap((u) => (u.steps ? [u.steps] : []));
      for (const s of steps) expect(s.loss.length).toBe(s.step.length);
      expect(steps.flatMap((s) => s.lr)).toEqual(Array(10).fill(1e-3));
      const evals = updates.flatMap((u) => u.evals ?? []);
      expect(evals.map((e) => [e.split, e.step])).toEqual([
        ['validation', 5],
        ['validation', 10],
        ['test', 10],
      ]);
      client.ws.close();
    });
  });
});
