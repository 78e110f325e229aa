// The pictures in docs/dashboard.md, made from real processes: a standing `gradstream dashboard` on a
// temporary store, a quick hyperparameter search into that store (it finds the standing page and
// shows its trials there), and Debian's Chromium taking the runs table and the config-against-metric
// view (learning rate against validation accuracy, log x). Then the same for a search on a CSV
// regression table (test/helpers/regression-csv.ts), ranked by validation RMSE: the pictures of
// docs/labs.md "On your own table".
//
//   npm run build && npx tsx scripts/dashboard-screenshots.ts [trials=20]

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDashboard } from '../dashboard/build.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { regressionCsv } from '../test/helpers/regression-csv.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const IMAGES = join(ROOT, 'docs', 'images');
const trials = Number(process.argv[2] ?? 20);

/** `gradstream …args` as a child; its stderr is collected and, with `echo`, shown. */
function gradstream(args: readonly string[]) {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exit, stderr: () => stderr };
}

/** Resolves with the first match of `pattern` in the child's stderr; rejects if it exits first. */
async function waitFor(run: ReturnType<typeof gradstream>, pattern: RegExp): Promise<RegExpExecArray> {
  let exited = false;
  void run.exit.then(() => {
    exited = true;
  });
  for (;;) {
    const m = pattern.exec(run.stderr());
    if (m) return m;
    if (exited) throw new Error(`gradstream exited before ${pattern}:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (!existsSync(CLI)) throw new Error(`${CLI} not found: run \`npm run build\` first`);
if (!Number.isInteger(trials) || trials < 2)
  throw new Error(`trials must be an integer ≥ 2, got ${process.argv[2]}`);
await buildDashboard(); // the page as this tree has it (dist/dashboard, where the server looks)
mkdirSync(IMAGES, { recursive: true });
const store = mkdtempSync(join(tmpdir(), 'gradstream-screenshots-'));
const standing = gradstream(['dashboard', '--store', store, '--port', '0']);
const browser = await launchChromium();
try {
  const [, url] = await waitFor(standing, /at (http:\/\/127\.0\.0\.1:\d+\/)/);
  const lab = gradstream([
    'lab',
    'hyperparameter-search',
    '--quick',
    '--trials',
    String(trials),
    '--store',
    store,
    '--out',
    join(store, 'lab'),
    '--no-wait',
  ]);
  if ((await lab.exit) !== 0) throw new Error(`the lab failed:\n${lab.stderr()}`);
  process.stderr.write(lab.stderr());

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(url!);
  // Every trial in the table, ended as the store says.
  await page.waitForFunction((n) => document.querySelectorAll('#runs-table tbody tr').length >= n, trials, {
    timeout: 30_000,
  });
  await page.waitForFunction(
    () => !/running/.test(document.querySelector('#runs-table tbody')!.textContent!),
    {
      timeout: 30_000,
    },
  );
  // Best validation accuracy first (an accuracy's first click sorts high to low): the answer on top.
  await page.locator('#runs-table thead th[data-sort="bestValAcc"]').click();
  await page.locator('section.runs').screenshot({ path: join(IMAGES, 'dashboard-runs-table.png') });

  await page.locator('#config-x').selectOption('lr');
  await page.locator('#config-y').selectOption('valAcc');
  await page.locator('#config-log-x').check();
  await page.locator('#card-config').scrollIntoViewIfNeeded();
  await page.locator('#card-config').screenshot({ path: join(IMAGES, 'dashboard-config-vs-metric.png') });
  process.stderr.write(
    `wrote ${join(IMAGES, 'dashboard-runs-table.png')} and dashboard-config-vs-metric.png\n`,
  );

  // A search on a regression table, on a standing page of its own store: its trials ranked by RMSE.
  const tableStore = join(store, 'table-store');
  mkdirSync(tableStore);
  const table = join(store, 'regression.csv');
  writeFileSync(table, regressionCsv(3000, 1));
  const tableStanding = gradstream(['dashboard', '--store', tableStore, '--port', '0']);
  try {
    const [, tableUrl] = await waitFor(tableStanding, /at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const search = gradstream([
      ...['lab', 'hyperparameter-search', '--quick', '--trials', String(trials), '--store', tableStore],
      ...['--data', table, '--label', 'y', '--set', 'lrExponents=[-3.5,-1]', '--set', 'hidden=[64,64]'],
      ...['--out', join(store, 'lab-table'), '--no-wait'],
    ]);
    if ((await search.exit) !== 0) throw new Error(`the table search failed:\n${search.stderr()}`);
    process.stderr.write(search.stderr());
    const tablePage = await browser.newPage({
      viewport: { width: 1280, height: 1000 },
      deviceScaleFactor: 1,
    });
    await tablePage.goto(tableUrl!);
    await tablePage.waitForFunction(
      (n) => document.querySelectorAll('#runs-table tbody tr').length >= n,
      trials,
      {
        timeout: 30_000,
      },
    );
    await tablePage.waitForFunction(
      () => !/running/.test(document.querySelector('#runs-table tbody')!.textContent!),
      { timeout: 30_000 },
    );
    await tablePage.locator('#runs-table thead th[data-sort="bestValRmse"]').click(); // lowest RMSE first
    await tablePage
      .locator('section.runs')
      .screenshot({ path: join(IMAGES, 'dashboard-regression-search.png') });
    await tablePage.locator('#config-x').selectOption('lr');
    await tablePage.locator('#config-y').selectOption('bestValRmse');
    await tablePage.locator('#config-log-x').check();
    await tablePage.locator('#card-config').scrollIntoViewIfNeeded();
    await tablePage
      .locator('#card-config')
      .screenshot({ path: join(IMAGES, 'dashboard-regression-lr-vs-rmse.png') });
  } finally {
    tableStanding.child.kill('SIGINT');
    await tableStanding.exit;
  }
  process.stderr.write('wrote dashboard-regression-search.png and dashboard-regression-lr-vs-rmse.png\n');
} finally {
  await browser.close();
  standing.child.kill('SIGINT');
  await standing.exit;
  rmSync(store, { recursive: true, force: true });
}
