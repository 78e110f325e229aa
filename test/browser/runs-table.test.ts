// The runs table and the config-against-metric view in real Chromium, fed by a real DashboardServer
// with runs whose configs differ in optimizer and lr: the differing columns and the common line,
// sort, filter, selecting runs for the charts, the scatter's points, and an interrupted run.

import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build.js';
import { createController } from '../../src/pipeline/controller.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import type { TrainEvent } from '../../src/train/events.js';
import { launchChromium } from '../helpers/chromium.js';

const SCREENSHOT = join(import.meta.dirname, '..', '..', 'test-output', 'runs-table.png');

let browser: Browser | undefined;
let server: DashboardServer | undefined;
let staticDir = '';
beforeAll(async () => {
  staticDir = await buildDashboard(mkdtempSync(join(tmpdir(), 'gradstream-runs-table-')));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A resolved RunConfig's fields the table reads (the rest of a real one changes nothing here). */
const config = (optimizer: string, lr: number, extra: Record<string, unknown> = {}) => ({
  model: { hidden: [100, 100], activation: 'relu', batchNorm: false, dropout: 0, weightDecay: 0 },
  optimizer: { name: optimizer, lr },
  batchSize: 100,
  seed: 1,
  store: { dir: 'runs' },
  ...extra,
});

const RUNS = [
  { runId: 'run-adam', config: config('adam', 0.001, { name: 'baseline' }), accuracy: 0.9 },
  { runId: 'run-sgd-fast', config: config('sgd', 0.1), accuracy: 0.8 },
  { runId: 'run-sgd-slow', config: config('sgd', 0.01, { store: { dir: 'exp/store' } }), accuracy: 0.7 },
] as const;
const TOTAL = 1000;

/** Feeds each run a start event, `steps` steps and one validation accuracy. */
function feed(subjects: Subject<TrainEvent>[], steps: number): void {
  RUNS.forEach((run, k) => {
    const s = subjects[k];
    s.next({
      type: 'start',
      runId: run.runId,
      config: run.config,
      totalSteps: TOTAL,
      stepsPerEpoch: 100,
      paramCount: 1000,
      time: Date.now(),
    });
    for (let step = 1; step <= steps; step++) {
      s.next({
        type: 'step',
        step,
        epoch: 0,
        loss: 2 / (step * (k + 1)),
        lr: run.config.optimizer.lr,
        samples: 100,
        samplesPerSecond: 1000,
        elapsedMs: step * 100,
        skipped: false,
        gradNorm: 1,
      });
    }
    s.next({
      type: 'eval',
      step: steps,
      epoch: 0,
      split: 'validation',
      loss: 0.5,
      accuracy: run.accuracy,
      n: 100,
    });
  });
}

const rowIds = (page: Page) =>
  page
    .locator('#runs-table tbody tr:not([hidden])')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run-id')));
const attrNumber = async (page: Page, selector: string, name: string) =>
  Number(await page.locator(selector).getAttribute(name));

describe('the runs table', () => {
  it('shows the differing config, sorts, filters, selects runs for the charts, plots them, and marks an interrupted run', async () => {
    const errors: string[] = [];
    server = await startDashboardServer({ port: 0, control: true, staticDir, log: () => {} });
    const subjects = RUNS.map(() => new Subject<TrainEvent>());
    const controllers = RUNS.map(() => createController());
    for (const [k, run] of RUNS.entries()) server.attachRun(run.runId, subjects[k], controllers[k]);
    feed(subjects, 20);
    const page = await browser!.newPage({ viewport: { width: 1440, height: 1100 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => rowIds(page)).toEqual(['run-adam', 'run-sgd-fast', 'run-sgd-slow']);

    // The name from the config (the id in its tooltip), else the id.
    const adam = page.locator('[data-run-id="run-adam"]');
    expect(await adam.locator('.run-name').textContent()).toBe('baseline');
    expect(await adam.locator('.run-name').getAttribute('title')).toBe('run-adam');
    expect(await page.locator('[data-run-id="run-sgd-fast"] .run-name').textContent()).toBe('run-sgd-fast');

    // Optimizer and lr differ: columns; the rest is the same for every run: the common line.
    const headers = await page
      .locator('#runs-table th[data-sort]')
      .evaluateAll((ths) => ths.map((th) => th.getAttribute('data-sort')));
    expect(headers).toContain('config.optimizer');
    expect(headers).toContain('config.lr');
    expect(headers).not.toContain('config.batchSize');
    expect(headers).not.toContain('config.hidden');
    const common = await page.locator('#runs-common').textContent();
    expect(common).toContain('batch 100');
    expect(common).toContain('hidden 100-100');
    expect(common).not.toContain('optimizer');
    expect(await adam.locator('[data-column="config.lr"]').textContent()).toBe('0.001');
    expect(await adam.locator('[data-column="bestValAcc"]').textContent()).toBe('90.00%');
    expect(await adam.locator('[data-column="duration"]').textContent()).toBe('2s');
    // A live run shows its ETA and its controls.
    expect(await adam.locator('.run-meta').textContent()).toMatch(/^ETA \d/);
    expect(await adam.locator('[data-action="pause"]').isVisible()).toBe(true);

    // Sort by lr, then the other way; by best validation accuracy (high first).
    const sortBy = (key: string) => page.locator(`#runs-table th[data-sort="${key}"] button`).click();
    await sortBy('config.lr');
    await expect.poll(() => rowIds(page)).toEqual(['run-adam', 'run-sgd-slow', 'run-sgd-fast']);
    expect(await page.locator('th[data-sort="config.lr"]').getAttribute('aria-sort')).toBe('ascending');
    await sortBy('config.lr');
    await expect.poll(() => rowIds(page)).toEqual(['run-sgd-fast', 'run-sgd-slow', 'run-adam']);
    await sortBy('bestValAcc');
    await expect.poll(() => rowIds(page)).toEqual(['run-adam', 'run-sgd-fast', 'run-sgd-slow']);

    // The filter matches names, ids and config text; the differing columns follow the runs shown.
    const filter = page.locator('#runs-filter');
    await filter.fill('sgd');
    await expect.poll(() => rowIds(page)).toEqual(['run-sgd-fast', 'run-sgd-slow']);
    await expect.poll(() => page.locator('th[data-sort="config.optimizer"]').count()).toBe(0);
    expect(await page.locator('#runs-common').textContent()).toContain('optimizer sgd');
    await filter.fill('lr=0.1');
    await expect.poll(() => rowIds(page)).toEqual(['run-sgd-fast']);
    await filter.fill('baseline');
    await expect.poll(() => rowIds(page)).toEqual(['run-adam']);
    await filter.fill('');
    await expect.poll(() => rowIds(page)).toHaveLength(3);

    // The scatter: lr (log axis) against best validation accuracy, one point per selected run.
    await page.locator('#card-config:not([hidden])').waitFor();
    expect(await page.locator('#config-x').inputValue()).toBe('lr');
    expect(await page.locator('#config-y').inputValue()).toBe('bestValAcc');
    expect(await page.locator('#config-log-x').isChecked()).toBe(true);
    await expect.poll(() => attrNumber(page, '#config-canvas', 'data-points')).toBe(3);

    // Unselecting a run takes its line off the loss chart and its point off the scatter.
    const series = () => attrNumber(page, '#chart-loss', 'data-series');
    await expect.poll(series).toBe(3);
    const fast = page.locator('[data-run-id="run-sgd-fast"]');
    await fast.locator('.select').uncheck();
    await expect.poll(() => fast.getAttribute('data-visible')).toBe('false');
    await expect.poll(series).toBe(2);
    await expect.poll(() => attrNumber(page, '#config-canvas', 'data-points')).toBe(2);
    await fast.locator('.select').check();
    await expect.poll(series).toBe(3);
    await expect.poll(() => attrNumber(page, '#config-canvas', 'data-points')).toBe(3);
    // The header's box takes every listed run off the charts, and puts them back.
    await page.locator('.select-all').uncheck();
    await expect.poll(series).toBe(0);
    await expect.poll(() => attrNumber(page, '#config-canvas', 'data-points')).toBe(0);
    await page.locator('.select-all').check();
    await expect.poll(series).toBe(3);
    await expect.poll(() => attrNumber(page, '#config-canvas', 'data-points')).toBe(3);
    // Another x takes its own default scale: linear for the batch size.
    await page.locator('#config-x').selectOption('batchSize');
    expect(await page.locator('#config-log-x').isChecked()).toBe(false);
    await expect.poll(() => attrNumber(page, '#config-canvas', 'data-points')).toBe(3);

    // A run whose process died: `interrupted`, no ETA, no buttons, and the command that resumes it
    // (with its store, which is not the default).
    const slow = page.locator('[data-run-id="run-sgd-slow"]');
    expect(await slow.locator('[data-action="pause"]').isVisible()).toBe(true);
    server.endRun('run-sgd-slow', 'interrupted');
    await expect.poll(() => slow.locator('.badge').textContent()).toBe('interrupted');
    expect(await slow.locator('.resume-hint code').textContent()).toBe(
      'gradstream resume run-sgd-slow --store exp/store',
    );
    expect(await slow.locator('.resume-hint').isVisible()).toBe(true);
    expect(await slow.locator('[data-action="pause"]').isVisible()).toBe(false);
    expect(await slow.locator('.run-controls').isVisible()).toBe(false);
    expect(await slow.locator('.run-meta').textContent()).toBe('');
    // A run that failed: no buttons either, and its resume command on the default store.
    server.endRun('run-sgd-fast', 'failed');
    await expect.poll(() => fast.locator('.badge').textContent()).toBe('failed');
    expect(await fast.locator('.resume-hint code').textContent()).toBe('gradstream resume run-sgd-fast');
    expect(await fast.locator('.run-controls').isVisible()).toBe(false);
    // The live run keeps its controls.
    expect(await adam.locator('[data-action="pause"]').isVisible()).toBe(true);

    // A server with no stored copy of a run's metrics (none here): its CSV comes from the page.
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      adam.locator('[data-action="csv"]').click(),
    ]);
    expect(csv.suggestedFilename()).toBe('run-adam.csv');
    const lines = readFileSync((await csv.path())!, 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines[0]).toMatch(/^step,epoch,loss,smoothed_loss,/);
    expect(lines).toHaveLength(21);
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toMatch(/run-adam\.csv: from the page's buffer/);

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
