// The broadcast loop with real ws clients on port 0: identical frames for 100 clients, coalescing.

import { afterEach, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { trainingEvents } from '../helpers/training-events.js';
import { connect, isOneToN, statusOf, type TestClient } from './clients.js';

const quiet = () => {};
let server: DashboardServer | undefined;
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
      // 2 epochs of 20 steps of 100 samples, one step per 10 ms chunk: about a second, ~10 frames.
      server.attachRun('mnist', trainingEvents({ epochs: 2, stepsPerChunk: 1, chunkDelayMs: 10 }));
      await Promise.all(clients.map((c) => c.until(() => statusOf(c, 'mnist') === 'ended')));
      const reference = frames(clients[0]);
      expect(reference.length).toBeGreaterThan(3);
      for (const c of clients) {
        expect(c.problems).toEqual([]);
        expect(c.messages[0].type).toBe('hello');
        expect(frames(c)).toEqual(reference);
        expect(isOneToN(c.steps.get('mnist') ?? [], 40)).toBe(true);
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
      server.attachRun('cfg', trainingEvents({ epochs: 1, trainSize: 500 }));
      await client.until(() => statusOf(client, 'cfg') === 'ended');
      const updates = client.messages.flatMap((m) => (m.type === 'frame' ? m.runs : []));
      const info = updates.find((u) => u.info)?.info;
      expect(info).toMatchObject({ runId: 'cfg', totalSteps: 5, stepsPerEpoch: 5, controllable: false });
      const steps = updates.flatMap((u) => (u.steps ? [u.steps] : []));
      for (const s of steps) expect(s.loss.length).toBe(s.step.length);
      expect(updates.flatMap((u) => u.evals ?? []).map((e) => e.split)).toEqual(['train', 'test']);
      client.ws.close();
    });
  });
});
