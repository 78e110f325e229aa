// Reconnecting clients get every step exactly once: by replay, by snapshot, across a restart.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { mnistData, trainingEvents } from '../helpers/training-events.js';
import { connect, isOneToN, statusOf, type TestClient } from './clients.js';

const quiet = () => {};
let server: DashboardServer | undefined;
beforeAll(() => void mnistData());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stepsOf = (c: TestClient) => c.steps.get('mnist') ?? [];

/** A ~2 s run of 60 steps, 50 ms frames; returns a client that saw its first 10 steps, then left. */
async function leaveMidRun(options: { replayFrames?: number } = {}): Promise<TestClient> {
  server = await startDashboardServer({ port: 0, intervalMs: 50, log: quiet, ...options });
  server.attachRun('mnist', trainingEvents({ epochs: 3, stepsPerChunk: 1, chunkDelayMs: 25 }));
  const first = await connect(server.port);
  await first.until(() => stepsOf(first).length >= 10);
  first.ws.close();
  await first.closed;
  return first;
}

describe('startDashboardServer', () => {
  describe('#reconnect', () => {
    it('replays the frames a reconnecting client missed: no duplicate, no gap', async () => {
      const first = await leaveMidRun();
      await sleep(400);
      const again = await connect(server!.port, { from: first });
      await again.until(() => statusOf(again, 'mnist') === 'ended');
      expect(again.messages[0]).toMatchObject({ type: 'resume', from: first.position.seq + 1 });
      expect(again.messages.some((m) => m.type === 'hello')).toBe(false);
      expect(again.problems).toEqual([]);
      expect(isOneToN(stepsOf(again), 60)).toBe(true);
    });

    it('sends a snapshot instead when the missed frames are no longer kept', async () => {
      const first = await leaveMidRun({ replayFrames: 2 });
      await sleep(600);
      const again = await connect(server!.port, { from: first });
      await again.until(() => statusOf(again, 'mnist') === 'ended');
      expect(again.messages[0]).toMatchObject({ type: 'hello' });
      expect(again.problems).toEqual([]);
      expect(isOneToN(stepsOf(again), 60)).toBe(true);
    });

    it('sends a snapshot to a client of an earlier server process', async () => {
      const first = await leaveMidRun();
      const port = server!.port;
      await server!.close();
      server = await startDashboardServer({ port, intervalMs: 50, log: quiet });
      server.attachRun('mnist', trainingEvents({ epochs: 1 }));
      const again = await connect(port, { from: first });
      await again.until(() => statusOf(again, 'mnist') === 'ended');
      const hello = again.messages[0];
      expect(hello.type === 'hello' && hello.session).not.toBe(first.position.session);
      expect(again.problems).toEqual([]);
      expect(isOneToN(stepsOf(again), 20)).toBe(true);
    });
  });
});
