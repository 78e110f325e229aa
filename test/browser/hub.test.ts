// The standing dashboard with three real processes on one store, in real Chromium: `gradstream
// dashboard`, then two `gradstream train` runs started after it. Both appear and stream on one page;
// pausing one from the page pauses that trainer (its own events say so) while the other goes on;
// `kill -9` of the other turns its row `interrupted` within 15 s; `gradstream resume` continues its
// curve on the same page, one curve from step 1 with no gap.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/store/run-store.js';
import { launchChromium } from '../helpers/chromium.js';
import { type CliProcess, startCli } from '../helpers/cli-process.js';

let dir = '';
let browser: Browser | undefined;
const children: CliProcess[] = [];
const start = (args: string[]) => {
  const child = startCli(args);
  children.push(child);
  return child;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-hub-'));
  browser = await launchChromium();
});
afterAll(async () => {
  for (const c of children) c.kill();
  await Promise.all(children.map((c) => c.exited));
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A small, long run: it trains until stopped (the test stops it), checkpointing every 50 steps. */
const trainArgs = (name: string) => [
  'train',
  '--store',
  dir,
  '--name',
  name,
  '--json',
  '--no-wait',
  '--steps',
  '1000000',
  '--hidden',
  '16',
  '--train-limit',
  '2000',
  '--workers',
  '1',
  '--checkpoint-every',
  '50',
];

const row = (page: Page, runId: string) => page.locator(`tr.run[data-run-id="${runId}"]`);
const lastStep = async (page: Page, runId: string) =>
  Number(await row(page, runId).getAttribute('data-last-step'));
const runIdOf = async (trainer: CliProcess) =>
  (await trainer.waitFor(/"type":"start","runId":"([^"]+)"/, 'stdout'))[1];

describe('one standing dashboard, three processes', () => {
  it('shows both runs live, steers one, sees the other die and come back in one curve', async () => {
    const hub = start(['dashboard', '--store', dir, '--port', '0']);
    const url = (await hub.waitFor(/at (http:\/\/\S+) /))[1];
    const page = await browser!.newPage();
    await page.goto(url);

    const a = start(trainArgs('run-a'));
    const b = start(trainArgs('run-b'));
    const [idA, idB] = await Promise.all([runIdOf(a), runIdOf(b)]);
    // Neither trainer started a server of its own: they found the standing one.
    for (const t of [a, b])
      await t.waitFor(new RegExp(`is on the standing dashboard at ${url.replace(/[./]/g, '\\$&')}`));

    // Both appear (named) and stream on the one page.
    await expect.poll(() => page.locator('tr.run').count(), { timeout: 15_000 }).toBe(2);
    await expect(row(page, idA).locator('.run-name').textContent()).resolves.toBe('run-a');
    const [a0, b0] = [await lastStep(page, idA), await lastStep(page, idB)];
    await expect.poll(() => lastStep(page, idA), { timeout: 15_000 }).toBeGreaterThan(a0 + 20);
    await expect.poll(() => lastStep(page, idB), { timeout: 15_000 }).toBeGreaterThan(b0 + 20);

    // Pause A from the page: its trainer says so in its own events, and stops stepping; B goes on.
    await row(page, idA).locator('[data-action="pause"]').click();
    await a.waitFor(/"type":"paused"/, 'stdout', 10_000);
    await expect.poll(() => row(page, idA).getAttribute('data-status'), { timeout: 10_000 }).toBe('paused');
    const pausedAt = Math.max(
      ...a
        .events()
        .filter((e) => e.type === 'step')
        .map((e) => e.step as number),
    );
    const bBefore = await lastStep(page, idB);
    await expect.poll(() => lastStep(page, idB), { timeout: 15_000 }).toBeGreaterThan(bBefore + 50);
    const aSteps = a
      .events()
      .filter((e) => e.type === 'step')
      .map((e) => e.step as number);
    expect(Math.max(...aSteps)).toBeLessThanOrEqual(pausedAt + 2); // the lookahead's steps, at most
    expect(await lastStep(page, idA)).toBe(Math.max(...aSteps));

    // kill -9 of B: its row reads interrupted within 15 s, without live buttons, with the resume command.
    await expect.poll(() => lastStep(page, idB), { timeout: 15_000 }).toBeGreaterThan(120); // past a checkpoint
    b.kill('SIGKILL');
    await b.exited;
    const killedAt = Date.now();
    await expect
      .poll(() => row(page, idB).getAttribute('data-reason'), { timeout: 15_000 })
      .toBe('interrupted');
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    await expect(row(page, idB).locator('[data-action="pause"]').isVisible()).resolves.toBe(false);
    await expect(row(page, idB).textContent()).resolves.toContain(`gradstream resume ${idB}`);
    const diedAt = await lastStep(page, idB);

    // Resume B: the same row goes on from where the page's curve was, one curve from step 1.
    const resumed = start(['resume', idB, '--store', dir, '--json', '--no-wait']);
    await resumed.waitFor(/is on the standing dashboard/);
    await expect.poll(() => row(page, idB).getAttribute('data-reason'), { timeout: 15_000 }).toBe('running');
    await expect.poll(() => lastStep(page, idB), { timeout: 30_000 }).toBeGreaterThan(diedAt + 100);
    await expect(page.locator('tr.run').count()).resolves.toBe(2);
    const first = Number(await row(page, idB).getAttribute('data-first-step'));
    const last = await lastStep(page, idB);
    const rows = Number(await row(page, idB).getAttribute('data-step-rows'));
    // Every step 1…last once: no gap, no repeat (on a failure, say where the gap is: in the store, or
    // only on the way to the page).
    const store = RunStore.open({ dir, readonly: true });
    const stored = store.series(idB, 'loss').step;
    store.close();
    const missing = (steps: readonly number[]) => {
      const have = new Set(steps);
      return Array.from({ length: last }, (_, i) => i + 1).filter((s) => !have.has(s));
    };
    expect({ first, rows, missingInStore: missing(stored).slice(0, 60) }).toEqual({
      first: 1,
      rows: last,
      missingInStore: [],
    });
    // Its time adds up across the two processes: the resumed steps count on from the checkpoint's.
    const firstResumed = resumed.events().find((e) => e.type === 'step')!;
    const atCheckpoint = b
      .events()
      .find((e) => e.type === 'step' && e.step === (firstResumed.step as number) - 1)!;
    expect(firstResumed.elapsedMs as number).toBeGreaterThanOrEqual(atCheckpoint.elapsedMs as number);

    // Stop both from the page: the trainers end as stopped (the page's Stop reaches them too).
    await row(page, idB).locator('[data-action="stop"]').click();
    await row(page, idA).locator('[data-action="stop"]').click();
    const ends = await Promise.all([a.exited, resumed.exited]);
    expect(ends.map((e) => e.code)).toEqual([130, 130]);
    await expect.poll(() => row(page, idA).getAttribute('data-reason'), { timeout: 10_000 }).toBe('stopped');
    hub.kill('SIGINT');
    expect((await hub.exited).code).toBe(0);
  }, 180_000);
});
