// The page's charts in real Chromium (the system's, through playwright-core), fed by a real dashboard
// server from runs of synthetic TrainEvents pushed through Subjects: a drag-zoom that holds while
// steps keep streaming in and carries over to the other charts, a run's only evaluation drawn as a
// point, the log scale on by default, the PNG legend wrapping, and the top bar at 400 px.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Subject } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build.js';
import { PALETTE } from '../../dashboard/src/store.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import type { TrainEvent } from '../../src/train/events.js';
import { launchChromium } from '../helpers/chromium.js';

const CHARTS = ['loss', 'accuracy', 'lr', 'speed'] as const;

let browser: Browser | undefined;
let staticDir = '';
const cleanup: (() => unknown)[] = [];
beforeAll(async () => {
  staticDir = await buildDashboard(mkdtempSync(join(tmpdir(), 'gradstream-charts-')));
  browser = await launchChromium();
});
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});
afterAll(async () => {
  await browser?.close();
});

/** A run fed by hand: `steps(from, to)` emits steps from..to (inclusive), with a falling loss. */
function syntheticRun(runId: string, name?: string) {
  const events = new Subject<TrainEvent>();
  const t0 = Date.now();
  let last = 0;
  return {
    events,
    start: () =>
      events.next({
        type: 'start',
        runId,
        config: name === undefined ? {} : { name },
        totalSteps: 1_000_000,
        stepsPerEpoch: 100,
        paramCount: 1000,
        time: t0,
      }),
    steps(from: number, to: number) {
      for (let step = from; step <= to; step++) {
        events.next({
          type: 'step',
          step,
          epoch: Math.floor((step - 1) / 100),
          loss: 2 * Math.exp(-step / 400) + 0.05,
          lr: 1e-3,
          samples: 100,
          samplesPerSecond: 5000 + (step % 7) * 10,
          elapsedMs: Date.now() - t0,
          skipped: false,
          gradNorm: 1,
        });
      }
      last = to;
    },
    testEval: (step: number, accuracy: number) =>
      events.next({ type: 'eval', step, epoch: 0, split: 'test', loss: 0.3, accuracy, n: 500 }),
    end: () =>
      events.next({
        type: 'end',
        step: last,
        reason: 'completed',
        elapsedMs: Date.now() - t0,
        skippedSteps: 0,
      }),
  };
}

async function serve(): Promise<DashboardServer> {
  const server = await startDashboardServer({ port: 0, control: true, staticDir, log: () => {} });
  cleanup.push(() => server.close());
  return server;
}

async function open(
  server: DashboardServer,
  width = 1440,
  height = 1300,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width, height } });
  cleanup.push(() => page.close());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.locator('#connection[data-state="live"]').waitFor();
  return { page, errors };
}

const num = async (page: Page, selector: string, name: string) =>
  Number(await page.locator(selector).getAttribute(name));
const xRange = async (page: Page, chart: string) => ({
  min: await num(page, `#chart-${chart}`, 'data-x-min'),
  max: await num(page, `#chart-${chart}`, 'data-x-max'),
});

/** Drags across the plot area of `chart` from fraction `a` to fraction `b` of its width. */
async function dragZoom(page: Page, chart: string, a: number, b: number): Promise<void> {
  const box = (await page.locator(`#chart-${chart} .u-over`).boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + a * box.width, y);
  await page.mouse.down();
  await page.mouse.move(box.x + ((a + b) / 2) * box.width, y, { steps: 4 });
  await page.mouse.move(box.x + b * box.width, y, { steps: 4 });
  await page.mouse.up();
}

describe('the dashboard charts', () => {
  it('keep a drag-zoom while steps stream in, zoom together, sync the cursor, and reset on double-click', async () => {
    const server = await serve();
    const run = syntheticRun('zoom-run');
    server.attachRun('zoom-run', run.events);
    run.start();
    run.steps(1, 400);
    run.testEval(400, 0.8);
    let step = 400;
    const feed = setInterval(() => {
      run.steps(step + 1, step + 5);
      step += 5;
    }, 20);
    cleanup.push(() => clearInterval(feed));
    const { page, errors } = await open(server);
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-loss')?.getAttribute('data-x-max')) > 500,
    );

    // Unzoomed, the shared axis follows the stream: every chart spans the same, growing range.
    const before = await xRange(page, 'loss');
    await expect.poll(async () => (await xRange(page, 'loss')).max).toBeGreaterThan(before.max);
    // Loss and learning rate start on a log scale.
    expect(await page.locator('#log-scale').isChecked()).toBe(true);
    expect(await page.locator('#chart-loss').getAttribute('data-log')).toBe('true');
    expect(await page.locator('#chart-lr').getAttribute('data-log')).toBe('true');

    await dragZoom(page, 'loss', 0.25, 0.5);
    await expect.poll(() => page.locator('#chart-loss').getAttribute('data-zoomed')).toBe('true');
    const zoom = await xRange(page, 'loss');
    expect(zoom.max - zoom.min).toBeGreaterThan(0);
    expect(zoom.max).toBeLessThan(before.max);
    const pointsAtZoom = await num(page, '#chart-loss', 'data-points');

    // Two seconds of steps later (drawn: the chart has more points), the range is the same, on all four.
    await page.waitForTimeout(2000);
    expect(await num(page, '#chart-loss', 'data-points')).toBeGreaterThan(pointsAtZoom + 100);
    for (const chart of CHARTS) expect(await xRange(page, chart)).toEqual(zoom);

    // The cursor moves on every chart: hovering the loss chart writes the learning rate's readout.
    const over = (await page.locator('#chart-loss .u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
    await expect.poll(() => page.locator('#readout-lr').textContent()).toMatch(/^step \d+/);
    const stepOf = async (chart: string) =>
      (await page.locator(`#readout-${chart}`).textContent())?.split(' · ')[0];
    expect(await stepOf('speed')).toBe(await stepOf('lr'));
    expect(await stepOf('loss')).toBe(await stepOf('lr'));

    // A zoom on another chart zooms the loss chart too.
    await dragZoom(page, 'speed', 0.5, 0.75);
    await expect.poll(async () => (await xRange(page, 'loss')).min).toBeGreaterThan(zoom.min);
    const narrower = await xRange(page, 'speed');
    expect(await xRange(page, 'loss')).toEqual(narrower);
    expect(narrower.max).toBeLessThan(zoom.max);

    // Double-click resets every chart to all steps, which follow the stream again.
    await page.locator('#chart-accuracy .u-over').dblclick();
    for (const chart of CHARTS)
      await expect.poll(() => page.locator(`#chart-${chart}`).getAttribute('data-zoomed')).toBe('false');
    const reset = await xRange(page, 'loss');
    expect(reset.max).toBeGreaterThan(before.max);
    await expect.poll(async () => (await xRange(page, 'loss')).max).toBeGreaterThan(reset.max);
    expect(await xRange(page, 'lr')).toEqual(await xRange(page, 'loss'));

    // The log-scale box switches both ways.
    await page.locator('#log-scale').uncheck();
    await expect.poll(() => page.locator('#chart-loss').getAttribute('data-log')).toBe('false');
    await page.locator('#log-scale').check();
    await expect.poll(() => page.locator('#chart-loss').getAttribute('data-log')).toBe('true');
    expect(errors).toEqual([]);
  });

  it("draw a run's only test evaluation, at its last step", async () => {
    const server = await serve();
    const run = syntheticRun('final-eval');
    server.attachRun('final-eval', run.events);
    run.start();
    run.steps(1, 300);
    run.testEval(300, 0.9);
    run.end();
    const { page, errors } = await open(server);
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-accuracy')?.getAttribute('data-points')) === 1,
    );
    // The accuracy chart shares the step axis: 1..300, so the point sits at its right edge, 90% up.
    await expect.poll(() => xRange(page, 'accuracy')).toEqual({ min: 1, max: 300 });

    // Pixels of the run's colour around where the point must be (a line of one point draws nothing).
    const color = PALETTE[0];
    const hits = await page.evaluate(
      ({ color, step, accuracy }) => {
        const el = document.querySelector<HTMLElement>('#chart-accuracy')!;
        const canvas = el.querySelector('canvas')!;
        const over = el.querySelector<HTMLElement>('.u-over')!;
        const min = Number(el.dataset.xMin);
        const max = Number(el.dataset.xMax);
        const ratio = canvas.width / canvas.getBoundingClientRect().width;
        const c = canvas.getBoundingClientRect();
        const o = over.getBoundingClientRect();
        const cx = (o.left - c.left + (o.width * (step - min)) / (max - min)) * ratio;
        const cy = (o.top - c.top + o.height * (1 - accuracy)) * ratio;
        const r = Math.ceil(4 * ratio);
        const pixels = canvas
          .getContext('2d')!
          .getImageData(Math.round(cx) - r, Math.round(cy) - r, 2 * r + 1, 2 * r + 1);
        const want = [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16));
        let n = 0;
        for (let i = 0; i < pixels.data.length; i += 4) {
          const d = want.reduce((s, v, k) => s + Math.abs(v - pixels.data[i + k]), 0);
          if (d < 60) n += 1;
        }
        return n;
      },
      { color, step: 300, accuracy: 0.9 },
    );
    expect(hits).toBeGreaterThanOrEqual(6);
    expect(errors).toEqual([]);
  });

  it('fit a 400 px window (the top bar wraps), carry a favicon, and export PNGs with a wrapped legend of run names', async () => {
    const server = await serve();
    const runs = [1, 2, 3, 4].map((i) => ({
      id: `r${i}`,
      run: syntheticRun(`r${i}`, `a-rather-long-run-name-${i}`),
    }));
    for (const { id, run } of runs) {
      server.attachRun(id, run.events);
      run.start();
      run.steps(1, 50);
      run.end();
    }
    const { page, errors } = await open(server, 400, 900);
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-loss')?.getAttribute('data-series')) === 4,
    );

    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      bar: Array.from(document.querySelectorAll('.topbar *'), (e) => e.getBoundingClientRect().right),
      barHeight: document.querySelector('.topbar')!.getBoundingClientRect().height,
    }));
    expect(overflow.page).toBeLessThanOrEqual(400);
    expect(Math.max(...overflow.bar)).toBeLessThanOrEqual(400);
    expect(overflow.barHeight).toBeGreaterThan(60); // wrapped onto more than one line

    // The favicon: linked from the page as served, and an image the browser decodes.
    const html = await (await fetch(server.url)).text();
    expect(html).toMatch(/<link rel="icon"[^>]*href="data:image\/svg\+xml,/);
    const icon = await page.evaluate(async () => {
      const img = new Image();
      img.src = document.querySelector<HTMLLinkElement>('link[rel="icon"]')!.href;
      await img.decode();
      return img.naturalWidth;
    });
    expect(icon).toBeGreaterThan(0);

    // The PNG: the chart, its title and four long names that need more than one legend row.
    const chart = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#chart-loss canvas')!;
      return { width: canvas.width, height: canvas.height, ratio: window.devicePixelRatio };
    });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-png="loss"]').click(),
    ]);
    const png = readFileSync((await download.path())!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const size = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
    expect(size.width).toBe(chart.width + 32 * chart.ratio);
    expect(size.height).toBeGreaterThanOrEqual(chart.height + (36 + 14 + 2 * 20 + 16) * chart.ratio);
    expect(errors).toEqual([]);
  });
});
