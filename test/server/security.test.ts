// Refusals: malformed, oversized, unauthorised messages (1008), token, Origin and Host checks.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createController } from '../../src/pipeline/controller.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import type { TrainEvent } from '../../src/train/events.js';
import { connect, type TestClient } from './clients.js';

const quiet = () => {};
let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const step = (n: number): TrainEvent => ({
  type: 'step',
  step: n,
  epoch: 0,
  loss: 1 / n,
  lr: 1e-3,
  samples: 10,
  samplesPerSecond: 100,
  elapsedMs: n,
  skipped: false,
  gradNorm: 1,
});

/** The server still works: the bystander gets the next frame and a newcomer gets a hello. */
async function stillServing(events: Subject<TrainEvent>, bystander: TestClient, n: number): Promise<void> {
  events.next(step(n));
  await bystander.until(() => (bystander.steps.get('r') ?? []).includes(n));
  const newcomer = await connect(server!.port);
  await newcomer.until(() => newcomer.messages[0]?.type === 'hello');
  newcomer.ws.close();
}

describe('startDashboardServer', () => {
  describe('#security', () => {
    const control = JSON.stringify({ v: 1, type: 'control', runId: 'r', action: 'pause' });
    it.each([
      { name: 'text that is not JSON', data: 'hello?' },
      { name: 'an unknown message type', data: '{"v":1,"type":"subscribe"}' },
      { name: 'another protocol version', data: '{"v":2,"type":"resync"}' },
      { name: 'an unknown field', data: '{"v":1,"type":"resync","all":true}' },
      {
        name: 'setLearningRate without lr',
        data: '{"v":1,"type":"control","runId":"r","action":"setLearningRate"}',
      },
      {
        name: 'a learning rate that is not a number',
        data: '{"v":1,"type":"control","runId":"r","action":"setLearningRate","lr":"0.1"}',
      },
      {
        // Its reason quotes the key; cut at 123 bytes mid-character it used to grow past the limit,
        // and ws.close threw out of the message handler: an uncaught exception took the server down.
        name: 'an unknown key of multi-byte characters',
        data: JSON.stringify({ v: 1, type: 'resync', ['€'.repeat(60)]: 1 }),
      },
      { name: 'a binary frame', data: Buffer.from(control) },
      {
        name: 'an oversized message (5 KB)',
        data: JSON.stringify({ v: 1, type: 'resync', pad: 'x'.repeat(5000) }),
      },
    ])('closes the socket with 1008 on $name, and only that socket', async ({ data }) => {
      server = await startDashboardServer({ port: 0, control: true, intervalMs: 20, log: quiet });
      const events = new Subject<TrainEvent>();
      server.attachRun('r', events, createController());
      const bystander = await connect(server.port);
      const offender = await connect(server.port);
      offender.ws.send(data);
      const { code, reason } = await offender.closed;
      expect(code).toBe(1008);
      expect(reason).toMatch(/malformed|binary|exceeds/);
      await stillServing(events, bystander, 1);
    });

    it('answers control messages with a refusal when control is disabled, and the socket stays open', async () => {
      server = await startDashboardServer({ port: 0, intervalMs: 20, log: quiet });
      const events = new Subject<TrainEvent>();
      const controller = createController();
      server.attachRun('r', events, controller);
      const client = await connect(server.port);
      client.ws.send(
        JSON.stringify({ v: 1, type: 'control', runId: 'r', action: 'pause', token: server.controlToken }),
      );
      await client.until(() => client.messages.some((m) => m.type === 'refused'));
      expect(client.messages.find((m) => m.type === 'refused')).toMatchObject({
        reason: 'unauthorised',
        message: expect.stringMatching(/control is disabled/),
      });
      expect(controller.state.paused).toBe(false);
      await stillServing(events, client, 1);
    });

    it('carries out control messages with the token and refuses those without it', async () => {
      server = await startDashboardServer({ port: 0, token: 'sesame', control: true, log: quiet });
      const controller = createController();
      server.attachRun('r', new Subject<TrainEvent>(), controller);
      const good = await connect(server.port, { path: '/ws?token=sesame' });
      good.ws.send(JSON.stringify({ v: 1, type: 'control', runId: 'r', action: 'pause', token: 'sesame' }));
      await expect.poll(() => controller.state.paused).toBe(true);
      const setLr = {
        v: 1,
        type: 'control',
        runId: 'r',
        action: 'setLearningRate',
        lr: 0.01,
        token: 'sesame',
      };
      good.ws.send(JSON.stringify(setLr));
      await expect.poll(() => controller.state.lrOverride).toBe(0.01);
      for (const token of [undefined, 'open sesame']) {
        const bad = await connect(server.port, { path: '/ws?token=sesame' });
        bad.ws.send(JSON.stringify({ v: 1, type: 'control', runId: 'r', action: 'stop', token }));
        await bad.until(() => bad.messages.some((m) => m.type === 'refused'));
        expect(bad.messages.find((m) => m.type === 'refused')).toMatchObject({ reason: 'unauthorised' });
        expect(bad.ws.readyState).toBe(bad.ws.OPEN);
        bad.ws.close();
      }
      expect(controller.state.stopped).toBe(false);
      expect(good.messages.filter((m) => m.type === 'refused')).toEqual([]);
      good.ws.close();
    });

    it('answers a client that floods refused control messages without reading only within its budget', async () => {
      const budgetBytes = 16 * 1024;
      server = await startDashboardServer({
        port: 0,
        control: true,
        budgetBytes,
        intervalMs: 20,
        log: quiet,
      });
      const events = new Subject<TrainEvent>();
      const controller = createController();
      server.attachRun('r', events, controller);
      const bystander = await connect(server.port);
      const flooder = await connect(server.port);
      await flooder.until(() => flooder.messages.length > 0);
      flooder.ws.pause(); // reads nothing more: every answer stays in the server's send buffer
      // 100,000 unauthorised stops (~7 MB): ~23 MB of answers, past what the kernel's buffers absorb.
      const stop = JSON.stringify({ v: 1, type: 'control', runId: 'r', action: 'stop' });
      for (let i = 0; i < 100_000; i++) flooder.ws.send(stop);
      await expect.poll(() => flooder.ws.bufferedAmount, { timeout: 60_000 }).toBe(0);
      // The server has read them all once its buffer for the flooder stops changing.
      const buffered = () => Math.max(0, ...server!.stats().clients.map((c) => c.bufferedAmount));
      let last = -1;
      await expect
        .poll(
          () => {
            const now = buffered();
            const settled = now === last;
            last = now;
            return settled;
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(true);
      // At most the budget plus one answer, not megabytes: a client that does not read is not answered.
      expect(buffered()).toBeLessThanOrEqual(budgetBytes + 1024);
      expect(controller.state.stopped).toBe(false);
      await stillServing(events, bystander, 1);
      flooder.ws.terminate();
    });

    it.each(['//', '//[', '//a b', '//:99999'])(
      'answers 400 to the request target %j, for the page and for /ws, and keeps serving',
      async (target) => {
        server = await startDashboardServer({ port: 0, log: quiet });
        const events = new Subject<TrainEvent>();
        server.attachRun('r', events);
        const bystander = await connect(server.port);
        const upgrade =
          'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
        for (const extra of ['', upgrade]) {
          const status = await rawRequest(
            server.port,
            `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`,
          );
          expect(status).toMatch(/^HTTP\/1\.1 400/);
        }
        await stillServing(events, bystander, 1);
      },
    );

    it('puts the control token in the page it serves (escaped, not cached), only when control is on', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gradstream-page-'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>t</title></head></html>');
      const meta = (html: string) => /<meta name="gradstream-control-token" content="([^"]*)" \/>/.exec(html);
      server = await startDashboardServer({ port: 0, control: true, staticDir: dir, log: quiet });
      const page = await fetch(`http://127.0.0.1:${server.port}/`);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      expect(meta(html)?.[1]).toBe(server.controlToken);
      expect(html.indexOf('gradstream-control-token')).toBeLessThan(html.indexOf('</head>'));
      await server.close();
      server = await startDashboardServer({
        port: 0,
        token: 'a"<b>&',
        control: true,
        staticDir: dir,
        log: quiet,
      });
      const escaped = await (
        await fetch(`http://127.0.0.1:${server.port}/?token=${encodeURIComponent('a"<b>&')}`)
      ).text();
      expect(meta(escaped)?.[1]).toBe('a&#34;&#60;b&#62;&#38;');
      await server.close();
      server = await startDashboardServer({ port: 0, staticDir: dir, log: quiet });
      expect(meta(await (await fetch(`http://127.0.0.1:${server.port}/`)).text())).toBeNull();
    });

    it('refuses sockets without the token (401), from foreign origins or hosts (403)', async () => {
      server = await startDashboardServer({ port: 0, token: 'sesame', log: quiet });
      await expect(connect(server.port)).rejects.toThrow(/401/);
      await expect(connect(server.port, { path: '/ws?token=wrong' })).rejects.toThrow(/401/);
      const foreign = { path: '/ws?token=sesame', headers: { origin: 'http://evil.example' } };
      await expect(connect(server.port, foreign)).rejects.toThrow(/403/);
      const own = { path: '/ws?token=sesame', headers: { origin: `http://127.0.0.1:${server.port}` } };
      (await connect(server.port, own)).ws.close();
      await server.close();
      // Without a token, a loopback server also refuses a non-loopback Host (DNS rebinding).
      server = await startDashboardServer({ port: 0, log: quiet });
      await expect(
        connect(server.port, { headers: { host: `evil.example:${server.port}` } }),
      ).rejects.toThrow(/403/);
      (await connect(server.port)).ws.close();
    });

    it('serves the page only with the token, and nothing outside its folder', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gradstream-page-'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
      server = await startDashboardServer({ port: 0, token: 'sesame', staticDir: dir, log: quiet });
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/`)).status).toBe(401);
      expect((await fetch(`${base}/?token=sesame`)).status).toBe(200);
      expect((await fetch(`${base}/..%2f..%2fpackage.json`)).status).toBe(404);
      expect((await fetch(`${base}/?token=sesame`, { method: 'POST' })).status).toBe(405);
    });

    it('generates and prints a token when bound beyond loopback', async () => {
      const lines: string[] = [];
      server = await startDashboardServer({ host: '0.0.0.0', port: 0, log: (line) => lines.push(line) });
      expect(server.token).toMatch(/^[\w-]{20,}$/);
      expect(lines.join('\n')).toContain(`?token=${server.token}`);
      await expect(connect(server.port)).rejects.toThrow(/401/);
      (await connect(server.port, { path: `/ws?token=${server.token}` })).ws.close();
    });
  });
});

/** Sends `request` as raw bytes and resolves with the answer's status line. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.split('\r\n')[0]);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text.split('\r\n')[0]));
    socket.write(request);
  });
}
