// A regression run on the page, in real Chromium fed by a real DashboardServer: its evaluations carry
// RMSE and MAE (accuracy null), so the evaluation chart plots RMSE and says so, and the runs table
// shows val/test RMSE and MAE columns instead of accuracies; a classifier beside it brings accuracy back.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build.js';
import { createController } from '../../src/pipeline/controller.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import type { TrainEvent } from '../../src/train/events.js';
import { launchChromium } from '../helpers/chromium.js';

let browser: Browser | undefined;
let server: DashboardServer | undefined;
let staticDir = '';
beforeAll(async () => {
  staticDir = await buildDashboard(mkdtempSync(join(tmpdir(), 'gradstream-regression-page-')));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const config = { model: { hidden: [32] }, optimizer: { name: 'adam', lr: 0.01 }, batchSize: 50, seed: 1 };

/** A run's start, `steps` steps, and a validation evaluation every 10 steps. */
function feed(s: Subject<TrainEvent>, runId: string, steps: number, regression: boolean): void {
  s.next({
    type: 'start',
    runId,
    config,
    totalSteps: 100,
    stepsPerEpoch: 10,
    paramCount: 99,
    time: Date.now(),
  });
  for (let step = 1; step <= steps; step++) {
    s.next({
      type: 'step',
      step,
      epoch: 0,
      loss: 1 / step,
      lr: 0.01,
      samples: 50,
      samplesPerSecond: 1000,
      elapsedMs: step * 10,
      skipped: false,
      gradNorm: 1,
    });
    if (step % 10 !== 0) continue;
    const rmse = 2 / step;
    s.next({
      type: 'eval',
      step,
      epoch: 0,
      split: 'validation',
      loss: regression ? rmse * rmse : 0.5,
      accuracy: regression ? Number.NaN : 0.5 + step / 100,
      ...(regression ? { rmse, mae: rmse / 2 } : {}),
      n: 100,
    });
  }
}

describe('a regression run on the page', () => {
  it('plots RMSE in the evaluation chart and lists RMSE and MAE in the runs table', async () => {
    const errors: string[] = [];
    server = await startDashboardServer({ port: 0, control: true, staticDir, log: () => {} });
    const regression = new Subject<TrainEvent>();
    server.attachRun('run-regression', regression, createController());
    feed(regression, 'run-regression', 40, true);
    const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.locator('#connection[data-state="live"]').waitFor();

    const chart = page.locator('#chart-accuracy');
    await expect.poll(() => chart.getAttribute('data-metric')).toBe('rmse');
    await expect.poll(() => chart.getAttribute('data-points')).toBe('4');
    expect(await chart.locator('xpath=ancestor::figure//h2').textContent()).toBe('RMSE');
    const row = page.locator('[data-run-id="run-regression"]');
    await expect.poll(() => row.locator('[data-column="valRmse"]').textContent()).toBe('0.05');
    expect(await row.locator('[data-column="bestValRmse"]').textContent()).toBe('0.05');
    expect(await row.locator('[data-column="valMae"]').textContent()).toBe('0.025');
    // No accuracy columns: no run has one.
    expect(await page.locator('#runs-table th[data-sort="valAcc"]').count()).toBe(0);

    // A classifier beside it: the chart shows accuracy again (the regression run has none to draw).
    const classifier = new Subject<TrainEvent>();
    server.attachRun('run-classifier', classifier, createController());
    feed(classifier, 'run-classifier', 20, false);
    await expect.poll(() => chart.getAttribute('data-metric')).toBe('accuracy');
    expect(await chart.locator('xpath=ancestor::figure//h2').textContent()).toBe('Accuracy');
    await expect.poll(() => page.locator('#runs-table th[data-sort="valAcc"]').count()).toBe(1);
    expect(await page.locator('#runs-table th[data-sort="valRmse"]').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
