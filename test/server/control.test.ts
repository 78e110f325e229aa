// Control over the socket during a real `train()` run: only the page's per-process token may steer a
// run, on loopback too (another local program can watch but not control), and a learning rate out of
// range is refused with an answer the page can show, while the run keeps its rate and keeps training.

import { shareReplay, tap } from 'rxjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createController, type RunController } from '../../src/pipeline/controller.js';
import type { ServerMessage } from '../../src/protocol/server-messages.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { realTraining } from '../helpers/real-run.js';
import { mnistData } from '../helpers/training-events.js';
import { connect, statusOf, type TestClient } from './clients.js';

const quiet = () => {};
let server: DashboardServer | undefined;
let controller: RunController | undefined;
beforeAll(() => void mnistData());
afterEach(async () => {
  controller?.stop(); // the run outlives the test unless stopped
  await server?.close();
  server = undefined;
});

/** A long real run attached to a loopback server with control on; `seen` follows its step events. */
async function controlledRun() {
  controller = createController();
  const seen = { step: 0, lr: undefined as number | undefined, ended: false };
  const run = realTraining({ epochs: 5000, workers: 1, seed: 1, controller }).pipe(
    tap((e) => {
      if (e.type === 'step') Object.assign(seen, { step: e.step, lr: e.lr });
      if (e.type === 'end') seen.ended = true;
    }),
    shareReplay(),
  );
  server = await startDashboardServer({ port: 0, control: true, intervalMs: 20, log: quiet });
  server.attachRun('mnist', run, controller);
  return { controller, seen };
}

const control = (action: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, type: 'control', runId: 'mnist', action, ...extra });

/** Resolves with the next `refused` answer a client receives. */
async function refusal(client: TestClient, count: number): Promise<ServerMessage & { type: 'refused' }> {
  const refusals = () => client.messages.filter((m) => m.type === 'refused');
  await client.until(() => refusals().length >= count, 5000);
  return refusals()[count - 1] as ServerMessage & { type: 'refused' };
}

/** Waits until the run has taken `n` more steps than now (it is still training). */
async function trainsOn(seen: { step: number }, n = 5): Promise<void> {
  const from = seen.step;
  await expect.poll(() => seen.step, { timeout: 20_000 }).toBeGreaterThanOrEqual(from + n);
}

/** The control token the served page carries (a `<meta name="gradstream-control-token">`). */
async function pageToken(port: number): Promise<string> {
  const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  const match = /<meta name="gradstream-control-token" content="([^"]+)"/.exec(html);
  if (!match) throw new Error('the page carries no control token');
  return match[1];
}

describe('startDashboardServer', () => {
  describe('#control', () => {
    it('lets a local client without the token watch a real run but not pause or stop it', async () => {
      const { controller, seen } = await controlledRun();
      const watcher = await connect(server!.port);
      await watcher.until(() => (watcher.steps.get('mnist')?.length ?? 0) > 3);
      watcher.ws.send(control('pause'));
      expect(await refusal(watcher, 1)).toMatchObject({
        type: 'refused',
        runId: 'mnist',
        action: 'pause',
        reason: 'unauthorised',
        message: expect.stringMatching(/token/),
      });
      watcher.ws.send(control('stop', { token: 'guessed-token-0000000000' }));
      expect(await refusal(watcher, 2)).toMatchObject({ action: 'stop', reason: 'unauthorised' });
      expect(controller.state).toMatchObject({ paused: false, stopped: false });
      // The run is unaffected, and the watcher still watches it.
      await trainsOn(seen);
      expect(seen.ended).toBe(false);
      const watched = watcher.steps.get('mnist')?.length ?? 0;
      await watcher.until(() => (watcher.steps.get('mnist')?.length ?? 0) > watched);
      expect(watcher.ws.readyState).toBe(watcher.ws.OPEN);
      expect(statusOf(watcher, 'mnist')).toBe('running');
      expect(watcher.problems).toEqual([]);

      // With the token the served page carries, the same client steers the run.
      const token = await pageToken(server!.port);
      expect(token).toBe(server!.controlToken);
      watcher.ws.send(control('pause', { token }));
      await expect.poll(() => controller.state.paused).toBe(true);
      await watcher.until(() => statusOf(watcher, 'mnist') === 'paused');
      watcher.ws.send(control('stop', { token }));
      await watcher.until(() => statusOf(watcher, 'mnist') === 'ended');
      expect(seen.ended).toBe(true);
      watcher.ws.close();
    });

    it('has a fresh control token per server process; a given token is the control token too', async () => {
      const servers = [
        await startDashboardServer({ port: 0, control: true, log: quiet }),
        await startDashboardServer({ port: 0, control: true, log: quiet }),
        await startDashboardServer({ port: 0, token: 'sesame', log: quiet }),
      ];
      const [a, b, given] = servers.map((s) => s.controlToken);
      await Promise.all(servers.map((s) => s.close()));
      expect(a).toMatch(/^[\w-]{20,}$/);
      expect(b).toMatch(/^[\w-]{20,}$/);
      expect(b).not.toBe(a);
      expect(given).toBe('sesame');
    });

    it.each([
      { name: '1e308', lr: '1e308' },
      { name: '1e-320 (subnormal)', lr: '1e-320' },
      { name: '1e400 (Infinity once parsed)', lr: '1e400' },
      { name: '0', lr: '0' },
      { name: '-1', lr: '-1' },
    ])(
      'refuses lr $name with an answer naming lr and the range; the run keeps its lr and trains on',
      async ({ lr }) => {
        const { controller, seen } = await controlledRun();
        const token = server!.controlToken;
        const client = await connect(server!.port);
        client.ws.send(control('setLearningRate', { lr: 0.002, token }));
        await expect.poll(() => seen.lr, { timeout: 20_000 }).toBe(0.002);
        // The raw text, so values JSON.stringify cannot write (1e400) reach the server as sent.
        client.ws.send(
          `{"v":1,"type":"control","runId":"mnist","action":"setLearningRate","lr":${lr},"token":"${token}"}`,
        );
        expect(await refusal(client, 1)).toMatchObject({
          runId: 'mnist',
          action: 'setLearningRate',
          reason: 'invalid',
          message: expect.stringMatching(/lr must be a finite number in \[1\.18e-38 \(2\^-126\), 1000\]/),
        });
        expect(controller.state.lrOverride).toBe(0.002);
        await trainsOn(seen);
        expect(seen.lr).toBe(0.002);
        expect(seen.ended).toBe(false);
        expect(client.ws.readyState).toBe(client.ws.OPEN);
        client.ws.close();
      },
    );
  });
});
