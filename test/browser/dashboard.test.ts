// The page in real Chromium (the system's, found like `npm test`'s set-up finds it; driven through
// playwright-core) during real training: one run is the library's `train()` on a worker thread, which
// the page pauses, resumes and steers; the other is the stand-in event source.

import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { shareReplay, tap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build.js';
import { adam, momentum, sgd } from '../../src/optim/alias.js';
import { createController } from '../../src/pipeline/controller.js';
import { sampleSurface } from '../../src/protocol/sample-surface.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { launchChromium } from '../helpers/chromium.js';
import { realTraining } from '../helpers/real-run.js';
import { mnistData, trainingEvents } from '../helpers/training-events.js';
import { bookFunction, bookPathRun } from './book-path.js';

const SCREENSHOT = join(import.meta.dirname, '..', '..', 'test-output', 'dashboard.png');

let browser: Browser | undefined;
let server: DashboardServer | undefined;
let staticDir = '';
const controllers = { a: createController(), b: createController() };
beforeAll(async () => {
  // The test builds the page itself (esbuild, well under a second) into a temp folder.
  staticDir = await buildDashboard(mkdtempSync(join(tmpdir(), 'gradstream-dashboard-')));
  mnistData();
  browser = await launchChromium();
});
afterAll(async () => {
  // The runs outlive the test unless stopped (shareReplay keeps them subscribed): stop the pool.
  controllers.a.stop();
  controllers.b.stop();
  await browser?.close();
  await server?.close();
});

const attr = (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(name);
const lossPoints = async (page: Page) => Number(await attr(page, '#chart-loss', 'data-points'));

/**
 * Two MNIST runs, shared and replayed to a restarted server: `mnist-adam` is `train()` itself (one
 * worker, histograms every 20 steps; stopped at the end), `mnist-adam-lr3e-3` the stand-in; and
 * three optimizers on the book's 2D function.
 */
function runs() {
  const seen = { step: 0, lr: undefined as number | undefined, pausedAt: -1, whilePaused: [] as number[] };
  const a = realTraining({
    epochs: 5000, // 200,000 steps: far more than the test lasts, however fast the machine
    workers: 1,
    seed: 1,
    controller: controllers.a,
    histogramEvery: 20,
  }).pipe(
    tap((e) => {
      if (e.type === 'paused') seen.pausedAt = e.step;
      if (e.type !== 'step') return;
      seen.step = e.step;
      seen.lr = e.lr;
      if (controllers.a.state.paused) seen.whilePaused.push(e.step);
    }),
    shareReplay(),
  );
  const b = trainingEvents({
    epochs: 40,
    stepsPerChunk: 1,
    chunkDelayMs: 30,
    histogramEvery: 20,
    runId: 'mnist-adam-lr3e-3',
    lr: 3e-3,
    controller: controllers.b,
  }).pipe(shareReplay());
  const attach = (s: DashboardServer) => {
    s.attachRun('mnist-adam', a, controllers.a);
    s.attachRun('mnist-adam-lr3e-3', b, controllers.b);
  };
  return { attach, seen };
}

function attachPaths(s: DashboardServer): void {
  const surface = sampleSurface({
    name: 'x²/20 + y²',
    f: bookFunction,
    x: [-10, 10],
    y: [-5, 5],
    minimum: [0, 0],
  });
  for (const [id, spec] of [
    ['sgd-0.95', sgd({ lr: 0.95 })],
    ['momentum-0.1', momentum({ lr: 0.1 })],
    ['adam-0.3', adam({ lr: 0.3 })],
  ] as const) {
    const { events$, points$ } = bookPathRun(id, spec);
    s.attachPath(id, surface, points$); // either order works; a lab may know its surface first
    s.attachRun(id, events$);
  }
}

describe('the dashboard page', () => {
  it('follows live training, toggles a run, steers it, exports, and survives a server restart', async () => {
    const errors: string[] = [];
    const training = runs();
    server = await startDashboardServer({ port: 0, control: true, staticDir, log: () => {} });
    training.attach(server);
    attachPaths(server);
    const page = await browser!.newPage({ viewport: { width: 1440, height: 1300 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.locator('#connection[data-state="live"]').waitFor();

    // The loss chart gains points as training runs.
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-loss')?.getAttribute('data-points')) > 0,
    );
    const before = await lossPoints(page);
    await page.waitForFunction(
      (n) => Number(document.querySelector('#chart-loss')?.getAttribute('data-points')) > n,
      before,
    );

    // Hiding a run removes its lines from the charts; showing it brings them back.
    const runB = page.locator('[data-run-id="mnist-adam-lr3e-3"]');
    const series = async () => Number(await attr(page, '#chart-loss', 'data-series'));
    const shown = await series();
    await runB.locator('.select').click();
    await expect.poll(() => runB.getAttribute('data-visible')).toBe('false');
    await expect.poll(series).toBe(shown - 1);
    await runB.locator('.select').click();
    await expect.poll(series).toBe(shown);

    // Pause from the page: train() draws no new step until Resume. The steps already drawn when the
    // pause landed still arrive (one, or two when the next step's gradients were already in); the
    // page shows the pause a frame later, and the run stays put however long it is held.
    const runA = page.locator('[data-run-id="mnist-adam"]');
    await runA.locator('[data-action="pause"]').click();
    await page.locator('[data-run-id="mnist-adam"][data-status="paused"]').waitFor();
    expect(controllers.a.state.paused).toBe(true);
    await page.waitForTimeout(600);
    const { pausedAt, whilePaused } = training.seen;
    expect(pausedAt).toBeGreaterThan(0);
    expect(whilePaused.length).toBeLessThanOrEqual(2);
    expect(whilePaused.every((step) => step <= pausedAt + 2)).toBe(true);
    await runA.locator('[data-action="resume"]').click();
    await page.locator('[data-run-id="mnist-adam"][data-status="running"]').waitFor();
    const held = training.seen.step;
    await expect.poll(() => training.seen.step).toBeGreaterThan(held);
    // A new learning rate reaches the controller, and the steps train() reports then use it.
    await runA.locator('.lr-input').fill('0.0005');
    await runA.locator('[data-action="setLearningRate"]').click();
    await expect.poll(() => controllers.a.state.lrOverride).toBe(0.0005);
    await expect.poll(() => training.seen.lr).toBe(0.0005);
    // A rate out of range (1e308 overflows float32 and would kill the run) is refused by the server;
    // the page shows why, instead of silently returning to the schedule, and the run trains on.
    await runA.locator('.lr-input').fill('1e308');
    await runA.locator('[data-action="setLearningRate"]').click();
    const notice = page.locator('#notice[data-level="warn"]');
    await expect
      .poll(() => notice.textContent())
      .toMatch(
        /setLearningRate refused: .*lr must be a finite number in \[1\.18e-38 \(2\^-126\), 1000\], got 1e\+308/,
      );
    expect(controllers.a.state.lrOverride).toBe(0.0005);
    // Text that is no finite number (JSON cannot carry 1e400) used to be sent as "back to the
    // schedule"; the page now says so and sends nothing.
    await page.locator('#notice').evaluate((n) => {
      n.textContent = '';
    });
    await runA.locator('.lr-input').fill('');
    await runA.locator('.lr-input').pressSequentially('1e400');
    await runA.locator('[data-action="setLearningRate"]').click();
    await expect
      .poll(() => notice.textContent())
      .toMatch(/mnist-adam: setLearningRate: lr must be a finite number in/);
    expect(controllers.a.state.lrOverride).toBe(0.0005);
    const refusedAt = training.seen.step;
    await expect.poll(() => training.seen.step).toBeGreaterThan(refusedAt);
    expect(training.seen.lr).toBe(0.0005);

    // Exports: a run's metrics as CSV, a chart as PNG.
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      runA.locator('[data-action="csv"]').click(),
    ]);
    expect(csv.suggestedFilename()).toBe('mnist-adam.csv');
    expect(readFileSync((await csv.path())!, 'utf8')).toMatch(/^step,epoch,loss,smoothed_loss,lr,/);
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-png="loss"]').click(),
    ]);
    expect(png.suggestedFilename()).toBe('loss.png');
    expect(
      readFileSync((await png.path())!)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');

    // Restart the server on the same port: the page reconnects and carries on.
    const port = server.port;
    const firstToken = server.controlToken;
    await server.close();
    await page.locator('#connection[data-state="offline"]').waitFor();
    server = await startDashboardServer({ port, control: true, staticDir, log: () => {} });
    training.attach(server);
    attachPaths(server);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
    // The new server process has a new control token; the page fetches it and still steers the run.
    expect(server.controlToken).not.toBe(firstToken);
    await runA.locator('[data-action="pause"]').click();
    await expect.poll(() => controllers.a.state.paused).toBe(true);
    await runA.locator('[data-action="resume"]').click();
    await expect.poll(() => controllers.a.state.paused).toBe(false);
    const afterRestart = await lossPoints(page);
    await page.waitForFunction(
      (n) => Number(document.querySelector('#chart-loss')?.getAttribute('data-points')) > n,
      afterRestart,
    );
    await page.locator('#histogram-grid canvas').first().waitFor();
    await page.waitForFunction(
      () => Number(document.querySelector('#path-canvas')?.getAttribute('data-points')) >= 93,
    );

    // The log-scale toggle (on by default) rebuilds the loss chart on a linear axis and back.
    await page.locator('#log-scale').uncheck();
    await expect.poll(() => attr(page, '#chart-loss', 'data-log')).toBe('false');
    await page.locator('#log-scale').check();
    await expect.poll(() => attr(page, '#chart-loss', 'data-log')).toBe('true');

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    controllers.a.stop();
    controllers.b.stop();
    expect(errors).toEqual([]);
    await page.close();
  });
});
