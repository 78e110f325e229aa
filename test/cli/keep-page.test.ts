// The page that stays: the real CLI keeps a dashboard it started up after the run ends — completed,
// failed, stopped from the page, or stopped by Ctrl-C — until the next Ctrl-C, with the outcome's line
// first and the exit code unchanged; `--no-wait` never waits. Also the control lines on stderr (pause,
// learning rate, resume) for changes made from the page.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLI, ROOT } from '../helpers/cli.js';

const STAYS = /gradstream: the dashboard stays at (http:\/\/127\.0\.0\.1:\d+\/) — Ctrl-C to exit/;

/** A `gradstream` child (stdin not a terminal) whose stderr the test can wait on. */
function start(args: readonly string[]) {
  const child: ChildProcess = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of watchers) w();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => {
    exited = true;
    for (const w of watchers) w();
  });
  /** The first match of `pattern` in stderr, waiting for it (fails if the child exits first). */
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(stderr);
        if (m) done(() => resolve(m));
        else if (exited) done(() => reject(new Error(`exited before ${pattern}: ${stderr}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} in: ${stderr}`))), timeoutMs);
      const done = (then: () => void) => {
        clearTimeout(timer);
        watchers.delete(check);
        then();
      };
      watchers.add(check);
      check();
    });
  return {
    child,
    exit,
    waitFor,
    get stderr() {
      return stderr;
    },
    get exited() {
      return exited;
    },
  };
}

/** A small MNIST job, long enough (`steps`) to be steered while it runs. */
const train = (store: string, steps: number, ...more: string[]) => [
  'train',
  '--port',
  '0',
  '--steps',
  String(steps),
  '--batch-size',
  '50',
  '--hidden',
  '16',
  '--train-limit',
  '2000',
  '--workers',
  '1',
  '--store',
  store,
  ...more,
];

const tempStore = () => join(mkdtempSync(join(tmpdir(), 'gradstream-keep-')), 'runs');

/** The page stays: it is still served a while after the line, and the process is still alive. */
async function staysUp(run: ReturnType<typeof start>): Promise<string> {
  const [, url] = await run.waitFor(STAYS);
  await new Promise((r) => setTimeout(r, 700));
  expect(run.exited).toBe(false);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<html/i);
  return url;
}

describe('gradstream train --wait: the page stays after the run', () => {
  it('after a completed run: the result line, then the page until Ctrl-C, exit 0', async () => {
    const run = start(train(tempStore(), 40, '--wait'));
    await staysUp(run);
    // The result's line comes before the wait, not after the Ctrl-C.
    expect(run.stderr.indexOf('completed; test accuracy')).toBeGreaterThan(-1);
    expect(run.stderr.indexOf('completed; test accuracy')).toBeLessThan(run.stderr.search(STAYS));
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it('after a failed run: the error line, then the page until Ctrl-C, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-keep-'));
    const config = join(dir, 'job.json');
    // The learning rate jumps to 1e30 after 20 updates: a non-finite loss a few steps later.
    writeFileSync(
      config,
      JSON.stringify({
        model: { hidden: [16] },
        optimizer: { name: 'sgd', lr: 0.05, schedule: { kind: 'step', every: 20, gamma: 1e31 } },
        data: { trainLimit: 2000 },
        batchSize: 64,
        steps: 60,
        workers: 1,
        checkpoint: { everySteps: 0, everyMinutes: 0 },
        dashboard: { port: 0 },
      }),
    );
    const run = start(['train', '--config', config, '--store', join(dir, 'runs'), '--wait']);
    await staysUp(run);
    const error = run.stderr.search(/gradstream: step \d+: loss is .*; resume with: gradstream resume/);
    expect(error, run.stderr).toBeGreaterThan(-1);
    expect(error).toBeLessThan(run.stderr.search(STAYS));
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(1);
    // The error is said once, before the wait.
    expect(run.stderr.match(/resume with:/g)).toHaveLength(1);
  });

  it('after Ctrl-C: the first stops the run and the page stays, the second exits 130; resume too', async () => {
    const store = tempStore();
    const run = start(train(store, 100_000, '--wait', '--eval-every', '20'));
    await run.waitFor(/step \d+: validation loss/);
    run.child.kill('SIGINT');
    const [, runId] = await run.waitFor(/gradstream: run (\S+) stopped/);
    await staysUp(run);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr).not.toMatch(/forced exit/);

    // `resume` takes the same flags and keeps its page the same way.
    const resumed = start(['resume', runId, '--store', store, '--port', '0', '--wait']);
    // Its first evaluation: by then the run's Ctrl-C handler is installed (before it, SIGINT kills).
    await resumed.waitFor(/resuming after step \d+[\s\S]*step \d+: validation loss/);
    resumed.child.kill('SIGINT');
    await resumed.waitFor(/gradstream: run \S+ stopped/);
    await staysUp(resumed);
    resumed.child.kill('SIGINT');
    expect(await resumed.exit).toBe(130);
  });

  it('--no-wait: exits right after the run', async () => {
    const run = start(train(tempStore(), 20, '--no-wait'));
    expect(await run.exit).toBe(0);
    expect(run.stderr).toMatch(/dashboard at http/);
    expect(run.stderr).not.toMatch(STAYS);
  });
});

/**
 * `gradstream …` on a terminal: a pseudo-terminal from script(1) (util-linux, on every Debian) as its
 * stdin, stdout and stderr; `type` writes keys to it (`\x03` is a Ctrl-C the terminal turns into
 * SIGINT). Resolves with all the terminal showed and the exit code, which `script -e` passes on.
 */
function onTerminal(args: readonly string[], react: (shown: string, type: (keys: string) => void) => void) {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  // `exec`: the shell script(1) starts (dash when SHELL is unset, as on CI) must not stay as the
  // terminal's foreground process too, or the Ctrl-C kills it and script reports 130.
  const command = `exec ${[process.execPath, ...CLI, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let shown = '';
  child.stdout.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
    react(shown, (keys) => child.stdin.write(keys));
  });
  return new Promise<{ shown: string; code: number | null }>((resolve) =>
    child.on('exit', (code) => resolve({ shown, code })),
  );
}

describe('gradstream train on a terminal: the page stays by default', () => {
  it('without a flag the page stays until Ctrl-C is typed (exit 0); --no-wait exits at once', async () => {
    let typed = false;
    let answered: number | undefined;
    const kept = await onTerminal(train(tempStore(), 40), (shown, type) => {
      const url = STAYS.exec(shown)?.[1];
      if (!url || typed) return;
      typed = true;
      void (async () => {
        await new Promise((r) => setTimeout(r, 700));
        answered = (await fetch(url)).status;
        type('\x03');
      })();
    });
    expect(kept.code, kept.shown).toBe(0);
    expect(answered).toBe(200);
    // The bar's ETA has its units on the terminal too.
    expect(kept.shown).toMatch(/ETA \d+ s/);

    const closed = await onTerminal(train(tempStore(), 40, '--no-wait'), () => {});
    expect(closed.code, closed.shown).toBe(0);
    expect(closed.shown).toMatch(/completed; test accuracy/);
    expect(closed.shown).not.toMatch(STAYS);
  });
});

describe('gradstream train: steered from the page', () => {
  it('prints pause, learning-rate and resume lines; stopped from the page, the page stays', async () => {
    const run = start(train(tempStore(), 100_000, '--wait'));
    const [, url] = await run.waitFor(/dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const [, runId] = await run.waitFor(/gradstream: run (\S+): MLP/);
    const html = await (await fetch(url)).text();
    const token = /<meta name="gradstream-control-token" content="([^"]+)"/.exec(html)?.[1];
    expect(token).toBeDefined();
    const ws = new WebSocket(`${url.replace('http', 'ws')}ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const control = (action: string, extra: object = {}) =>
      ws.send(JSON.stringify({ v: 1, type: 'control', runId, action, token, ...extra }));

    control('pause');
    await run.waitFor(/^step \d+: paused$/m);
    control('setLearningRate', { lr: 0.003 });
    await run.waitFor(/^step \d+: learning rate set to 0\.003$/m);
    control('setLearningRate', { lr: null });
    await run.waitFor(/^step \d+: learning rate back to the schedule$/m);
    control('resume');
    await run.waitFor(/^step \d+: resumed$/m);
    control('stop');
    await run.waitFor(/gradstream: run \S+ stopped/);
    ws.close();
    await staysUp(run);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
  });
});

describe('gradstream lab: the page stays too', () => {
  it('--wait keeps the page after the lab until Ctrl-C (exit 0); --no-wait exits', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gradstream-keep-lab-'));
    const lab = (...more: string[]) => [
      'lab',
      'optimizers-2d',
      '--quick',
      '--port',
      '0',
      '--store',
      join(out, 'runs'),
      ...more,
    ];
    const waiting = start(lab('--wait', '--out', join(out, 'a')));
    await staysUp(waiting);
    const done = waiting.stderr.indexOf('gradstream: lab optimizers-2d done');
    expect(done).toBeGreaterThan(-1);
    expect(done).toBeLessThan(waiting.stderr.search(STAYS));
    waiting.child.kill('SIGINT');
    expect(await waiting.exit).toBe(0);

    const closing = start(lab('--no-wait', '--out', join(out, 'b')));
    expect(await closing.exit).toBe(0);
    expect(closing.stderr).toMatch(/lab optimizers-2d done/);
    expect(closing.stderr).not.toMatch(STAYS);
  });
});
