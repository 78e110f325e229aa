// bench/queue: what the run queue (issue 16: BullMQ over Redis, src/queue) costs and carries, on a real
// Redis (test/helpers/redis.ts: Debian's redis-server on a free port, its own folder) and real
// `gradstream` child processes of the compiled CLI (dist/src/cli/main.js; `npx tsc -p tsconfig.build.json`).
//  1. submit → first step: `submitRun` here, `startRunWorker` in this process already waiting on the
//     queue (the library's two ends); the time from the subscription to the run's start event and to
//     its first step event, median of N tiny runs one after another.
//  2. throughput: `gradstream worker` trains a run submitted by `gradstream train --queue --json
//     --no-dashboard` (relay on, one XADD per 100 ms), against the same run local and headless
//     (`train --json --no-dashboard`); samples/s from each run's own step events (`elapsedMs` after
//     WARMUP_STEPS, as bench/hub); and a third run local with `--checkpoint-every 200` (a queued run
//     checkpoints every 200 steps, to Redis: this tells the checkpoints' cost from the relay's); paired
//     per round, the order reversed every other round; the median ratio (target ≥ 0.95).
//  3. many runs: `tinyRuns` runs of a few steps added to the queue at once (BullMQ's addBulk with the job
//     `submitRun` adds: `{ runId, config }`, the same options), through one and then two `gradstream worker`
//     processes; runs per minute from the add to the last completed job.
//  4. Redis load: `INFO commandstats` reset before and read after one run of `commandSteps` steps (one
//     worker process, one `train --queue` submitter, nothing else on this Redis), divided by its steps and
//     by its seconds; EVALSHA split by BullMQ script (a MONITOR connection maps each call's SHA-1 to the
//     script whose text hashes to it).
// Usage: npx tsx bench/queue.bench.ts [latencyRuns=10] [rounds=5] [steps=2000] [tinyRuns=200] [commandSteps=2000]

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { lastValueFrom, tap } from 'rxjs';
import { parseConfig } from '../src/config/validate.js';
import { KEY_PREFIX, RUN_QUEUE } from '../src/queue/keys.js';
import { parseQueueUrl } from '../src/queue/queue-url.js';

/** The local comparison run's checkpoint pace (a queued run's before it checkpointed by time). */
const QUEUED_CHECKPOINT_EVERY = 200;

import { startRunWorker } from '../src/queue/run-worker.js';
import { submitRun } from '../src/queue/submit.js';
import { startRedis, type TestRedis } from '../test/helpers/redis.js';

const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const WARMUP_STEPS = 100; // excluded from a run's throughput (thread start, JIT)

/** A run of a few steps on a small net: what phases 1 and 3 queue. */
const tiny = (steps: number, seed: number) =>
  parseConfig({
    model: { hidden: [16] },
    batchSize: 50,
    steps,
    data: { trainLimit: 1000 },
    workers: 1,
    seed,
  });

/** Every child started, so a failure leaves none behind (see main). */
const children = new Set<ChildProcess>();

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** `gradstream worker --queue url …flags`, once it says it takes runs. */
async function startWorker(url: string, flags: readonly string[] = []) {
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', url, ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
      if (/taking runs from/.test(stderr)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${stderr}`)));
  });
  return {
    /** Ctrl-C: drains (nothing runs by then) and exits 0. */
    stop: async () => {
      child.kill('SIGINT');
      const code = await exitOf(child);
      if (code !== 0) throw new Error(`worker exit ${code}: ${stderr}`);
    },
  };
}

/** One `gradstream train --json` child to its end: its steady samples/s from its own step events. */
async function train(args: readonly string[]): Promise<{ samplesPerSecond: number; seconds: number }> {
  const begun = performance.now();
  const child = spawn(process.execPath, [CLI, 'train', '--json', '--no-dashboard', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const elapsed = new Map<number, number>();
  let batchSize = Number.NaN;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as {
      type: string;
      step: number;
      elapsedMs: number;
      config: { batchSize?: number; plan?: { batchSize: number } };
    };
    // A local run's start carries the resolved plan; a queued run's, the worker's RunConfig.
    if (e.type === 'start') batchSize = e.config.plan?.batchSize ?? e.config.batchSize ?? Number.NaN;
    else if (e.type === 'step') elapsed.set(e.step, e.elapsedMs);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  if (code !== 0) throw new Error(`train ${args.join(' ')}: exit ${code}: ${stderr}`);
  const last = Math.max(...elapsed.keys());
  const ms = elapsed.get(last)! - elapsed.get(WARMUP_STEPS)!;
  return {
    samplesPerSecond: ((last - WARMUP_STEPS) * batchSize * 1000) / ms,
    seconds: (performance.now() - begun) / 1000,
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs: readonly number[], digits = 3) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
const say = (line: string) => process.stderr.write(`queue: ${line}; load ${loadavg()[0].toFixed(2)}\n`);

// ---- 1. submit → first step ----

async function phase1(url: string, n: number) {
  const worker = await startRunWorker({ queue: url, workers: 1, log: () => {} });
  const toStart: number[] = [];
  const toStep: number[] = [];
  const ownStart: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      let started = Number.NaN;
      let stepped = Number.NaN;
      // To the run's end: unsubscribing after the first step would stop it (a stop request to the worker).
      await lastValueFrom(
        submitRun(tiny(20, i + 1), { queue: url, runId: `latency-${i}` }).pipe(
          tap((e) => {
            if (e.type === 'start') started = performance.now();
            if (e.type === 'step' && e.step === 1) {
              stepped = performance.now();
              ownStart.push(e.elapsedMs); // the run's own clock: its start-up on the worker
            }
          }),
        ),
      );
      toStep.push(stepped - t0);
      toStart.push(started - t0);
    }
  } finally {
    await worker.close();
  }
  say(
    `submit → start ${median(toStart).toFixed(0)} ms, → first step ${median(toStep).toFixed(0)} ms (median of ${n})`,
  );
  return { toStart, toStep, ownStart };
}

// ---- 2. throughput: queued (relay on) against local headless ----

async function phase2(url: string, rounds: number, steps: number, dir: string) {
  const worker = await startWorker(url);
  const local = join(dir, 'local');
  const queued = join(dir, 'queued');
  for (const d of [local, queued]) mkdirSync(d, { recursive: true });
  const rates = { local: [] as number[], queued: [] as number[], checkpointed: [] as number[] };
  try {
    await train(['--store', local, '--steps', '300']); // warm-up (page cache), not counted
    for (let r = 0; r < rounds; r++) {
      const runLocal = async () => {
        rates.local.push((await train(['--store', local, '--steps', String(steps)])).samplesPerSecond);
      };
      const runQueued = async () => {
        const args = ['--store', queued, '--steps', String(steps), '--queue', url];
        rates.queued.push((await train(args)).samplesPerSecond);
      };
      // What a queued run does besides relaying: a checkpoint every QUEUED_CHECKPOINT_EVERY steps
      // (here to the run store on disk, there to Redis).
      const runCheckpointed = async () => {
        const args = [
          '--store',
          local,
          '--steps',
          String(steps),
          '--checkpoint-every',
          String(QUEUED_CHECKPOINT_EVERY),
        ];
        rates.checkpointed.push((await train(args)).samplesPerSecond);
      };
      const order = [runLocal, runQueued, runCheckpointed];
      for (const run of r % 2 === 0 ? order : order.reverse()) await run();
      const [l, q, c] = [rates.local.at(-1)!, rates.queued.at(-1)!, rates.checkpointed.at(-1)!];
      say(
        `round ${r + 1}/${rounds}: local ${l.toFixed(0)}, queued ${q.toFixed(0)} (${(q / l).toFixed(3)}), ` +
          `local checkpointing every ${QUEUED_CHECKPOINT_EVERY} steps ${c.toFixed(0)} (${(c / l).toFixed(3)}) samples/s`,
      );
    }
  } finally {
    await worker.stop();
  }
  return {
    ...rates,
    ratios: rates.queued.map((q, i) => q / rates.local[i]),
    checkpointRatios: rates.checkpointed.map((c, i) => c / rates.local[i]),
    queuedToCheckpointed: rates.queued.map((q, i) => q / rates.checkpointed[i]),
  };
}

// ---- 3. many tiny runs through one and two worker processes ----

async function phase3(url: string, count: number, workers: number, tag: string) {
  const connection = parseQueueUrl(url).connection;
  const queue = new Queue(RUN_QUEUE, { connection, prefix: KEY_PREFIX });
  const started = await Promise.all(
    Array.from({ length: workers }, () => startWorker(url, ['--workers', '1'])),
  );
  try {
    const jobs = Array.from({ length: count }, (_, i) => {
      const runId = `${tag}-${i}`;
      return {
        name: 'run',
        data: { runId, config: tiny(5, i + 1) },
        opts: { jobId: runId, attempts: 3, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
      };
    });
    const t0 = performance.now();
    await queue.addBulk(jobs);
    let done = 0;
    let failed = 0;
    while (done + failed < count) {
      await sleep(100);
      const counts = await queue.getJobCounts('completed', 'failed');
      done = counts.completed ?? 0;
      failed = counts.failed ?? 0;
    }
    const minutes = (performance.now() - t0) / 60_000;
    if (failed > 0) throw new Error(`${failed} of ${count} tiny runs failed`);
    const perMinute = count / minutes;
    say(
      `${count} tiny runs through ${workers} worker process(es): ${(minutes * 60).toFixed(1)} s, ${perMinute.toFixed(0)} runs/min`,
    );
    await queue.obliterate({ force: true }); // the next condition counts its own jobs only
    return { seconds: minutes * 60, perMinute };
  } finally {
    await Promise.all(started.map((w) => w.stop()));
    await queue.close();
  }
}

// ---- 4. Redis commands per training step ----

/** BullMQ's Lua scripts by the SHA-1 of their text (what EVALSHA names them by). */
function bullmqScripts(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const scripts = require('bullmq/dist/cjs/scripts/index.js') as Record<
    string,
    { name: string; content: string }
  >;
  return new Map(
    Object.values(scripts).map((s) => [createHash('sha1').update(s.content).digest('hex'), s.name] as const),
  );
}

/** `INFO commandstats` calls summed (commands run inside Lua scripts included). */
async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * Phase 4. MONITOR sees every command a client sends (EVALSHA named by its script here) and, with
 * source `lua`, those a script runs: the round trips and the work inside scripts, counted apart.
 */
async function phase4(url: string, steps: number, dir: string) {
  const admin = new Redis(url);
  await admin.flushdb(); // the earlier phases' runs gone: this run's keys are the only ones
  const worker = await startWorker(url);
  const monitor = await admin.monitor();
  const calls = new Map<string, number>();
  let inScripts = 0;
  const shas = bullmqScripts();
  try {
    const store = join(dir, 'commands');
    mkdirSync(store, { recursive: true });
    await sleep(500);
    const info = new Redis(url);
    await info.config('RESETSTAT');
    let counting = true;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (!counting) return;
      if (source === 'lua') {
        inScripts++;
        return;
      }
      const command = args[0]?.toLowerCase() ?? '';
      const name =
        command === 'evalsha'
          ? `evalsha ${shas.get(args[1] ?? '') ?? args[1]?.slice(0, 8)}`
          : command === 'eval'
            ? 'eval (a script sent whole)'
            : command;
      if (name === 'info' || name === 'config') return; // this bench's own
      calls.set(name, (calls.get(name) ?? 0) + 1);
    });
    const run = await train(['--store', store, '--steps', String(steps), '--queue', url]);
    await sleep(200); // the last MONITOR lines
    counting = false;
    const processed = (await commandsProcessed(info)) - 2; // less this bench's CONFIG and INFO
    // What a run leaves in Redis: its event stream (kept a day after its end) and newest checkpoint.
    const bytes = async (pattern: string) => {
      const [key] = await info.keys(pattern);
      return key ? Number(await info.memory('USAGE', key, 'SAMPLES', '0')) : Number.NaN;
    };
    const streamBytes = await bytes('gradstream:run:*:events');
    const checkpointBytes = await bytes('gradstream:run:*:checkpoint');
    info.disconnect();
    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    say(
      `${total} Redis commands sent (${inScripts} more run by scripts) for ${steps} steps in ${run.seconds.toFixed(1)} s`,
    );
    return {
      calls,
      total,
      inScripts,
      processed,
      streamBytes,
      checkpointBytes,
      steps,
      seconds: run.seconds,
      samplesPerSecond: run.samplesPerSecond,
    };
  } finally {
    monitor.disconnect();
    admin.disconnect();
    await worker.stop();
  }
}

async function main(args: {
  latencyRuns: number;
  rounds: number;
  steps: number;
  tinyRuns: number;
  commandSteps: number;
}) {
  if (!existsSync(CLI)) {
    process.stderr.write(`bench/queue: ${CLI} is missing; build it with npx tsc -p tsconfig.build.json\n`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-queue-'));
  const loadBefore = loadavg()[0];
  const begun = performance.now();
  let redis: TestRedis | undefined;
  try {
    redis = await startRedis();
    const p1 = await phase1(redis.url, args.latencyRuns);
    const p2 = await phase2(redis.url, args.rounds, args.steps, dir);
    const one = args.tinyRuns > 0 ? await phase3(redis.url, args.tinyRuns, 1, 'one') : undefined;
    const two = args.tinyRuns > 0 ? await phase3(redis.url, args.tinyRuns, 2, 'two') : undefined;
    const p4 = await phase4(redis.url, args.commandSteps, dir);
    const minutes = (performance.now() - begun) / 60_000;
    const perStep = (n: number) => (n / p4.steps).toFixed(3);
    const perSecond = (n: number) => (n / p4.seconds).toFixed(1);
    const commands = [...p4.calls].sort((a, b) => b[1] - a[1]);
    console.log(
      [
        `\n# queue: ${args.latencyRuns} latency runs, ${args.rounds} rounds × ${args.steps} steps, ${args.tinyRuns} tiny runs, ${args.commandSteps} steps for the commands`,
        `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}; load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; ${minutes.toFixed(1)} min`,
        '',
        '| measure | value | target |',
        '|---|---:|---:|',
        `| submit → start event, median of ${args.latencyRuns} (${range(p1.toStart, 0)} ms) | ${median(p1.toStart).toFixed(0)} ms | |`,
        `| **submit → first step event**, median of ${args.latencyRuns} (${range(p1.toStep, 0)} ms) | ${median(p1.toStep).toFixed(0)} ms | |`,
        `| of which the run's own start-up (step 1's \`elapsedMs\`: threads, data, first step), median | ${median(p1.ownStart).toFixed(0)} ms | |`,
        `| local headless (\`train --no-dashboard\`), samples/s, median | ${median(p2.local).toFixed(0)} | |`,
        `| queued (\`worker\` + \`train --queue --no-dashboard\`), samples/s, median | ${median(p2.queued).toFixed(0)} | |`,
        `| **paired ratio** queued / local, median of ${args.rounds} (${range(p2.ratios)}) | ${median(p2.ratios).toFixed(3)} | ≥ 0.95 |`,
        `| local, \`--checkpoint-every ${QUEUED_CHECKPOINT_EVERY}\` (a queued run's checkpoint pace, to disk), samples/s, median | ${median(p2.checkpointed).toFixed(0)} | |`,
        `| paired ratio local checkpointing / local (${range(p2.checkpointRatios)}) | ${median(p2.checkpointRatios).toFixed(3)} | |`,
        `| paired ratio queued / local checkpointing (${range(p2.queuedToCheckpointed)}) | ${median(p2.queuedToCheckpointed).toFixed(3)} | |`,
        ...(one && two
          ? [
              `| ${args.tinyRuns} tiny runs (5 steps), 1 worker process | ${one.perMinute.toFixed(0)} runs/min (${one.seconds.toFixed(1)} s) | |`,
              `| the same, 2 worker processes | ${two.perMinute.toFixed(0)} runs/min (${two.seconds.toFixed(1)} s) | |`,
            ]
          : []),
        `| **Redis commands sent per step**, 1 worker + 1 submitter, ${p4.steps} steps in ${p4.seconds.toFixed(1)} s of the submitter (${p4.samplesPerSecond.toFixed(0)} samples/s) | ${perStep(p4.total)} (${perSecond(p4.total)}/s) | |`,
        `| commands run inside BullMQ's scripts besides | ${perStep(p4.inScripts)} (${perSecond(p4.inScripts)}/s) | |`,
        `| INFO commandstats, all calls (both of the above) | ${perStep(p4.processed)} (${perSecond(p4.processed)}/s) | |`,
        `| the run's event stream in Redis, per step; its checkpoint | ${(p4.streamBytes / p4.steps).toFixed(0)} bytes; ${(p4.checkpointBytes / 1024).toFixed(0)} KiB | |`,
        '',
        '| command sent | calls | per step | per second |',
        '|---|---:|---:|---:|',
        ...commands.map(([c, n]) => `| ${c} | ${n} | ${perStep(n)} | ${perSecond(n)} |`),
      ].join('\n'),
    );
  } finally {
    for (const child of children) child.kill('SIGKILL'); // only after a failure: the rest have exited
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const positional = process.argv.slice(2).map(Number);
const defaults = [10, 5, 2000, 200, 2000];
const [latencyRuns, rounds, steps, tinyRuns, commandSteps] = defaults.map((d, i) => positional[i] ?? d);
if (
  !(latencyRuns >= 1) ||
  !(rounds >= 1) ||
  !(steps > WARMUP_STEPS) ||
  !(tinyRuns >= 0) ||
  !(commandSteps > WARMUP_STEPS)
) {
  process.stderr.write(
    `usage: npx tsx bench/queue.bench.ts [latencyRuns ≥ 1] [rounds ≥ 1] [steps > ${WARMUP_STEPS}] [tinyRuns ≥ 0] [commandSteps > ${WARMUP_STEPS}]\n`,
  );
  process.exit(2);
}
await main({ latencyRuns, rounds, steps, tinyRuns, commandSteps });
