// Reconnecting clients get every step exactly once: by replay, by snapshot, across a restart — of a
// real `train()` run. The run pauses at chosen steps and the test resumes it once a client that stays
// connected (the observer) has seen the pause, so "frames were missed" is counted, not slept for.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createController, type RunController } from '../../src/pipeline/controller.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { pauseAt, realTraining } from '../helpers/real-run.js';
import { mnistData } from '../helpers/training-events.js';
import { connect, isOneToN, pausedAt, statusOf, type TestClient } from './clients.js';

const quiet = () => {};
let server: DashboardServer | undefined;
beforeAll(() => void mnistData());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const stepsOf = (c: TestClient) => c.steps.get('mnist') ?? [];
/** 3 epochs of 40 steps. */
const STEPS = 120;

interface MidRun {
  readonly first: TestClient;
  readonly observer: TestClient;
  readonly controller: RunController;
}

/**
 * Starts a 120-step run that pauses at each of `pauses`; returns once a client (`first`) that saw
 * the first pause has left, and an `observer` client that stays connected throughout.
 */
async function leaveAtFirstPause(
  pauses: readonly number[],
  options: { replayFrames?: number } = {},
): Promise<MidRun> {
  server = await startDashboardServer({ port: 0, intervalMs: 50, log: quiet, ...options });
  const controller = createController();
  const first = await connect(server.port);
  const observer = await connect(server.port);
  const events$ = realTraining({ epochs: 3, workers: 1, seed: 1, controller }).pipe(
    pauseAt(controller, pauses),
  );
  server.attachRun('mnist', events$, controller);
  await first.until(() => pausedAt(first, 'mnist', pauses[0]));
  first.ws.close();
  await first.closed;
  return { first, observer, controller };
}

/**
 * Resumes the run and waits until the observer has seen it paused again at `step` or later: at least
 * one frame more, since the steps from the last pause to `step` only ran after this resume.
 */
async function runToPause({ observer, controller }: MidRun, step: number): Promise<void> {
  controller.resume();
  await observer.until(() => pausedAt(observer, 'mnist', step));
}

describe('startDashboardServer', () => {
  describe('#reconnect', () => {
    it('replays the frames a reconnecting client missed: no duplicate, no gap', async () => {
      const run = await leaveAtFirstPause([10, 60]);
      await runToPause(run, 60);
      const { first, observer, controller } = run;
      expect(observer.position.seq).toBeGreaterThan(first.position.seq); // frames went out meanwhile
      const again = await connect(server!.port, { from: first });
      controller.resume();
      await again.until(() => statusOf(again, 'mnist') === 'ended');
      await observer.until(() => statusOf(observer, 'mnist') === 'ended');
      expect(again.messages[0]).toMatchObject({ type: 'resume', from: first.position.seq + 1 });
      expect(again.messages.some((m) => m.type === 'hello')).toBe(false);
      expect(again.problems).toEqual([]);
      expect(isOneToN(stepsOf(again), STEPS)).toBe(true);
      expect(stepsOf(again)).toEqual(stepsOf(observer));
    });

    it('sends a snapshot instead when the missed frames are no longer kept', async () => {
      const run = await leaveAtFirstPause([10, 30, 50, 70], { replayFrames: 2 });
      // Each pause the observer sees is a frame the first client missed: three, past the two kept.
      for (const step of [30, 50, 70]) await runToPause(run, step);
      const { first, observer, controller } = run;
      expect(observer.position.seq - first.position.seq).toBeGreaterThan(2);
      const again = await connect(server!.port, { from: first });
      controller.resume();
      await again.until(() => statusOf(again, 'mnist') === 'ended');
      expect(again.messages[0]).toMatchObject({ type: 'hello' });
      expect(again.problems).toEqual([]);
      expect(isOneToN(stepsOf(again), STEPS)).toBe(true);
    });

    it('sends a snapshot to a client of an earlier server process', async () => {
      const { first } = await leaveAtFirstPause([10]);
      const port = server!.port;
      await server!.close(); // unsubscribes: the paused run is stopped and its pool closed
      server = await startDashboardServer({ port, intervalMs: 50, log: quiet });
      server.attachRun('mnist', realTraining({ epochs: 1, workers: 1, seed: 2 }));
      const again = await connect(port, { from: first });
      await again.until(() => statusOf(again, 'mnist') === 'ended');
      const hello = again.messages[0];
      expect(hello.type === 'hello' && hello.session).not.toBe(first.position.session);
      expect(again.problems).toEqual([]);
      expect(isOneToN(stepsOf(again), 40)).toBe(true);
    });
  });
});
