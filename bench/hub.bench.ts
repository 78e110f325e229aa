// bench/hub: what the standing dashboard (`gradstream dashboard --store DIR`, issue 15) costs a trainer
// and how far behind it follows. Everything is a real child process of the compiled CLI
// (dist/src/cli/main.js; `npx tsc -p tsconfig.build.json` builds it), as a user runs it:
//  1. throughput: `gradstream train --json` recording into a store that a standing dashboard follows
//     with 10 WebSocket clients (in another child process, as browsers would be), against the same run
//     headless (`--no-dashboard`, the recorder still on, its own store and no dashboard process), and
//     a third run on the dashboard with `--histogram-every 0` (a headless run takes no histograms: this
//     tells their cost from the standing dashboard's); rounds reverse the order every other time; the
//     median of the per-round ratios (target ≥ 0.95). A run's samples/s is its steady throughput from
//     its `--json` step events (the run's own `elapsedMs`, after WARMUP_STEPS).
//  2. follow latency, from the watched runs of (1): the wall-clock time this script reads a step's
//     `--json` line from the trainer (its stdout is a pipe: written synchronously) to the arrival of the
//     first frame carrying that step at each client; p50 and p99 over every step and client (targets
//     0.5 s and 1.5 s). The frame's own server `time` splits it: store + follower vs broadcast.
//  3. the dashboard process's CPU (utime + stime from /proc/<pid>/stat over wall time, in % of one
//     core) while 4 trainers write to its store at once, 10 clients following; and idle, no run.
// Usage: npx tsx bench/hub.bench.ts [rounds=5] [steps=4000] [cpuSteps=3000 (0: skip 3)] [-- train flags]
//   train flags go to the watched runs of (1) and the trainers of (3), e.g. `-- --workers 1`.

import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const CLIENTS = 10;
const WARMUP_STEPS = 100; // excluded from a run's throughput (thread start, JIT)
const IDLE_MS = 5000;

/** Every child started, so a failure leaves none behind (see main). */
const children = new Set<ChildProcess>();
function track<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// ---- the clients (child mode) ----

/** Child mode: `n` sockets on `port`; every message parsed; each step's first arrival per client. */
async function runClients(port: number, n: number): Promise<void> {
  // Per client: runId → step → arrival (Date.now()); for client 0 also the frame's server time.
  const arrivals = Array.from({ length: n }, () => new Map<string, Map<number, number>>());
  const frameTimes = new Map<string, Map<number, number>>();
  let messages = 0;
  const sockets = await Promise.all(
    arrivals.map((mine, i) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      ws.on('message', (data) => {
        const now = Date.now();
        const m = JSON.parse(data.toString()) as {
          type: string;
          time?: number;
          runs?: { runId: string; steps?: { step: number[] } }[];
        };
        messages++;
        if (m.type !== 'frame') return; // connected before the runs: their steps all come in frames
        for (const run of m.runs ?? []) {
          const seen = mine.get(run.runId) ?? new Map<number, number>();
          mine.set(run.runId, seen);
          const times = frameTimes.get(run.runId) ?? new Map<number, number>();
          frameTimes.set(run.runId, times);
          for (const step of run.steps?.step ?? []) {
            if (!seen.has(step)) seen.set(step, now);
            if (i === 0 && !times.has(step)) times.set(step, m.time!);
          }
        }
      });
      return new Promise<WebSocket>((resolve, reject) => {
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    }),
  );
  process.send?.('ready');
  process.on('message', (msg: { runIds: string[] } | 'stop') => {
    if (msg === 'stop') {
      for (const ws of sockets) ws.close();
      process.send?.({ messages }, () => process.exit(0));
      return;
    }
    const pick = (m: Map<string, Map<number, number>>) =>
      Object.fromEntries(msg.runIds.map((id) => [id, [...(m.get(id) ?? [])]]));
    process.send?.({ arrivals: arrivals.map(pick), frameTimes: pick(frameTimes) });
  });
}

type ClientReport = {
  arrivals: Record<string, [number, number][]>[];
  frameTimes: Record<string, [number, number][]>;
};

/** Starts the clients' child process on `port` and waits until every socket is open. */
async function startClients(port: number) {
  const child = track(
    fork(fileURLToPath(import.meta.url), ['--clients', String(port), String(CLIENTS)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  await new Promise((resolve) => child.once('message', resolve));
  const ask = <T>(msg: unknown) =>
    new Promise<T>((resolve) => {
      child.once('message', (m) => resolve(m as T));
      child.send(msg as never);
    });
  return {
    report: (runIds: string[]) => ask<ClientReport>({ runIds }),
    stop: async () => {
      await ask<{ messages: number }>('stop');
      await exitOf(child);
    },
  };
}

// ---- the CLI's processes ----

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** A `gradstream dashboard` on `store`, once it says where it serves. */
async function startDashboard(store: string) {
  const child = track(
    spawn(process.execPath, [CLI, 'dashboard', '--store', store, '--port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = / at http:\/\/127\.0\.0\.1:(\d+)\/\S* — following/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`dashboard exited (${code}): ${stderr}`)));
  });
  return {
    pid: child.pid!,
    port,
    stop: async () => {
      child.kill('SIGINT');
      const code = await exitOf(child);
      if (code !== 0) throw new Error(`dashboard exit ${code}: ${stderr}`);
    },
  };
}

/** What one `train --json` child did. */
interface TrainerRun {
  readonly runId: string;
  /** Steady samples/s from the run's own clock, after WARMUP_STEPS. */
  readonly samplesPerSecond: number;
  /** step → Date.now() when its JSON line was read here. */
  readonly printedAt: Map<number, number>;
  readonly stderr: string;
  /**
   * The gap after each step that took histograms, less the median gap after the others (the run's own
   * clock, after WARMUP_STEPS): what a histogram costs the run, a measure that load changes less.
   */
  readonly histogramStallsMs: number[];
  /** Their sum over the run's time after WARMUP_STEPS. */
  readonly histogramShare: number;
}

/** Starts `gradstream train --json` on `store`; `started` resolves at its first step line. */
function startTrainer(store: string, steps: number, flags: readonly string[]) {
  const args = [CLI, 'train', '--json', '--store', store, '--steps', String(steps), ...flags];
  const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const printedAt = new Map<number, number>();
  const elapsed = new Map<number, number>();
  const histogramSteps = new Set<number>();
  let runId = '';
  let batchSize = Number.NaN;
  let onFirst: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    onFirst = resolve;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const now = Date.now();
    const e = JSON.parse(line) as {
      type: string;
      step: number;
      elapsedMs: number;
      runId: string;
      config: { plan: { batchSize: number } };
    };
    if (e.type === 'start') {
      runId = e.runId;
      batchSize = e.config.plan.batchSize;
    } else if (e.type === 'histogram') {
      histogramSteps.add(e.step);
    } else if (e.type === 'step') {
      if (printedAt.size === 0) onFirst();
      printedAt.set(e.step, now);
      elapsed.set(e.step, e.elapsedMs);
    }
  });
  // 'close', not 'exit': every line of its stdout has been read by then.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const done = closed.then((code): TrainerRun => {
    if (code !== 0) throw new Error(`train exit ${code}: ${stderr}`);
    const last = Math.max(...elapsed.keys());
    const ms = elapsed.get(last)! - elapsed.get(WARMUP_STEPS)!;
    const gaps = [...elapsed].filter(([step]) => step >= WARMUP_STEPS && elapsed.has(step + 1));
    const gap = (step: number) => elapsed.get(step + 1)! - elapsed.get(step)!;
    const usual = median(gaps.filter(([step]) => !histogramSteps.has(step)).map(([step]) => gap(step)));
    const histogramStallsMs = gaps
      .filter(([step]) => histogramSteps.has(step))
      .map(([step]) => gap(step) - usual);
    const samplesPerSecond = ((last - WARMUP_STEPS) * batchSize * 1000) / ms;
    const histogramShare = histogramStallsMs.reduce((sum, x) => sum + x, 0) / ms;
    return { runId, samplesPerSecond, printedAt, stderr, histogramStallsMs, histogramShare };
  });
  return { pid: child.pid!, started, done };
}

/** utime + stime of `pid` in seconds (/proc/<pid>/stat fields 14 and 15, in clock ticks). */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

// ---- the measurements ----

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs: readonly number[]) =>
  `(range ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** One headless run: recorder on, no dashboard anywhere. */
async function headless(store: string, steps: number): Promise<TrainerRun> {
  return startTrainer(store, steps, ['--no-dashboard']).done;
}

/** One run on a standing dashboard with CLIENTS clients; also each step's latencies. */
async function watched(store: string, steps: number, flags: readonly string[]) {
  const dashboard = await startDashboard(store);
  const clients = await startClients(dashboard.port).catch(async (error: unknown) => {
    await dashboard.stop();
    throw error;
  });
  let run: TrainerRun;
  let report: ClientReport;
  try {
    // --port 0: should it not find the standing dashboard, it must not clash; the check below fails then.
    run = await startTrainer(store, steps, ['--port', '0', ...flags]).done;
    if (!run.stderr.includes(`is on the standing dashboard at http://127.0.0.1:${dashboard.port}/`))
      throw new Error(`the trainer did not find the standing dashboard: ${run.stderr}`);
    // The last steps reach the store within a flush, the page within a poll and a frame.
    const total = run.printedAt.size;
    const deadline = Date.now() + 5000;
    report = await clients.report([run.runId]);
    while (report.arrivals.some((a) => (a[run.runId]?.length ?? 0) < total) && Date.now() < deadline) {
      await sleep(200);
      report = await clients.report([run.runId]);
    }
  } finally {
    await clients.stop();
    await dashboard.stop();
  }
  const latencies: number[] = [];
  let missing = 0;
  for (const a of report.arrivals) {
    const got = new Map(a[run.runId] ?? []);
    for (const [step, printed] of run.printedAt) {
      const arrived = got.get(step);
      if (arrived === undefined) missing++;
      else latencies.push(arrived - printed);
    }
  }
  // Where the time goes: to the frame's build on the server (recorder flush + follower poll), then on.
  const toFrame: number[] = [];
  for (const [step, time] of report.frameTimes[run.runId] ?? []) {
    const printed = run.printedAt.get(step);
    if (printed !== undefined) toFrame.push(time - printed);
  }
  return { run, latencies, toFrame, missing };
}

/**
 * Per round, three runs in turn (the order reversed every other round, so drift in the machine's
 * load hits each alike): headless; on the standing dashboard; on it with `--histogram-every 0`. The
 * histograms are the dashboard's (a headless run takes none): the third run tells their cost from the
 * standing dashboard's.
 */
async function phase1(rounds: number, steps: number, flags: readonly string[], dir: string) {
  const hubStore = join(dir, 'hub');
  const bareStore = join(dir, 'bare');
  for (const d of [hubStore, bareStore]) execFileSync('mkdir', ['-p', d]);
  await headless(bareStore, Math.min(steps, 1000)); // warm-up (page cache), not counted
  const rates = { bare: [] as number[], hub: [] as number[], noHist: [] as number[] };
  const latencies: number[] = [];
  const toFrame: number[] = [];
  const stalls: number[] = [];
  const shares: number[] = [];
  let missing = 0;
  for (let r = 0; r < rounds; r++) {
    const runBare = async () => {
      rates.bare.push((await headless(bareStore, steps)).samplesPerSecond);
    };
    const runHub = async () => {
      const out = await watched(hubStore, steps, flags);
      rates.hub.push(out.run.samplesPerSecond);
      stalls.push(...out.run.histogramStallsMs);
      shares.push(out.run.histogramShare);
      latencies.push(...out.latencies);
      toFrame.push(...out.toFrame);
      missing += out.missing;
    };
    const runNoHist = async () => {
      const out = await watched(hubStore, steps, ['--histogram-every', '0', ...flags]);
      rates.noHist.push(out.run.samplesPerSecond);
    };
    const order = [runBare, runHub, runNoHist];
    for (const condition of r % 2 === 0 ? order : order.reverse()) await condition();
    const [b, w, n] = [rates.bare, rates.hub, rates.noHist].map((x) => x.at(-1)!);
    process.stderr.write(
      `hub ${r + 1}/${rounds}: headless ${b.toFixed(0)}, standing dashboard + ${CLIENTS} clients ${w.toFixed(0)} ` +
        `(${(w / b).toFixed(3)}), without histograms ${n.toFixed(0)} (${(n / b).toFixed(3)}) samples/s; load ${loadavg()[0].toFixed(2)}\n`,
    );
  }
  const ratio = (xs: number[], ys: number[]) => xs.map((x, i) => x / ys[i]);
  return {
    ...rates,
    ratios: ratio(rates.hub, rates.bare),
    noHistRatios: ratio(rates.noHist, rates.bare),
    histRatios: ratio(rates.hub, rates.noHist),
    latencies,
    stalls,
    shares,
    toFrame,
    missing,
  };
}

async function phase3(cpuSteps: number, flags: readonly string[], dir: string) {
  const store = join(dir, 'cpu');
  execFileSync('mkdir', ['-p', store]);
  const dashboard = await startDashboard(store);
  const clients = await startClients(dashboard.port);
  // Idle first: the follower polling a store with no run.
  await sleep(1000);
  let c0 = cpuSeconds(dashboard.pid);
  let t0 = performance.now();
  await sleep(IDLE_MS);
  const idle = (100 * (cpuSeconds(dashboard.pid) - c0)) / ((performance.now() - t0) / 1000);
  // Four trainers at once; measured from the moment all are stepping to the moment the first ends.
  const trainers = Array.from({ length: 4 }, () => startTrainer(store, cpuSteps, ['--port', '0', ...flags]));
  await Promise.all(trainers.map((t) => Promise.race([t.started, t.done]))); // a failed one throws
  c0 = cpuSeconds(dashboard.pid);
  t0 = performance.now();
  await Promise.race(trainers.map((t) => t.done));
  const seconds = (performance.now() - t0) / 1000;
  const busy = (100 * (cpuSeconds(dashboard.pid) - c0)) / seconds;
  const runs = await Promise.all(trainers.map((t) => t.done));
  await clients.stop();
  await dashboard.stop();
  const rate = runs.reduce((sum, r) => sum + r.samplesPerSecond, 0);
  return { idle, busy, seconds, rate };
}

async function main(rounds: number, steps: number, cpuSteps: number, flags: readonly string[]) {
  if (!existsSync(CLI)) {
    process.stderr.write(`bench/hub: ${CLI} is missing; build it with npx tsc -p tsconfig.build.json\n`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-hub-'));
  const loadBefore = loadavg()[0];
  const begun = performance.now();
  try {
    const p1 = await phase1(rounds, steps, flags, dir);
    const p3 = cpuSteps > 0 ? await phase3(cpuSteps, flags, dir) : undefined;
    const lat = [...p1.latencies].sort((a, b) => a - b);
    const frame = [...p1.toFrame].sort((a, b) => a - b);
    const minutes = (performance.now() - begun) / 60_000;
    const loadAfter = loadavg()[0];
    console.log(
      [
        `\n# hub: ${rounds} rounds, ${steps} steps a run (the CLI's defaults otherwise${flags.length ? `; watched runs: ${flags.join(' ')}` : ''}); 4 × ${cpuSteps} steps for the CPU`,
        `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}; load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; ${minutes.toFixed(1)} min`,
        '',
        '| measure | value | target |',
        '|---|---:|---:|',
        `| headless (\`--no-dashboard\`, recorder on), samples/s, median | ${median(p1.bare).toFixed(0)} | |`,
        `| standing dashboard + ${CLIENTS} clients, samples/s, median | ${median(p1.hub).toFixed(0)} | |`,
        `| the same, \`--histogram-every 0\`, samples/s, median | ${median(p1.noHist).toFixed(0)} | |`,
        `| **paired ratio** standing dashboard / headless, median of ${rounds} ${range(p1.ratios)} | ${median(p1.ratios).toFixed(3)} | ≥ 0.95 |`,
        `| paired ratio without histograms / headless ${range(p1.noHistRatios)} | ${median(p1.noHistRatios).toFixed(3)} | |`,
        `| paired ratio with / without histograms ${range(p1.histRatios)} | ${median(p1.histRatios).toFixed(3)} | |`,
        `| a histogram step's stall (the gap after it less the usual gap), median; its share of a run, median | ${median(p1.stalls).toFixed(1)} ms; ${(100 * median(p1.shares)).toFixed(1)}% | |`,
        `| follow latency p50, trainer's line → client (${lat.length} step arrivals, ${p1.missing} never arrived) | ${quantile(lat, 0.5).toFixed(0)} ms | ≤ 500 ms |`,
        `| follow latency p99 | ${quantile(lat, 0.99).toFixed(0)} ms | ≤ 1500 ms |`,
        `| of which trainer's line → the frame's build on the server, p50 / p99 | ${quantile(frame, 0.5).toFixed(0)} / ${quantile(frame, 0.99).toFixed(0)} ms | |`,
        ...(p3
          ? [
              `| dashboard CPU, 4 trainers writing (${p3.seconds.toFixed(1)} s; their samples/s summed ${p3.rate.toFixed(0)}) | ${p3.busy.toFixed(1)}% of a core | |`,
              `| dashboard CPU, idle (no run, ${CLIENTS} clients) | ${p3.idle.toFixed(1)}% of a core | |`,
            ]
          : []),
      ].join('\n'),
    );
  } finally {
    for (const child of children) child.kill('SIGKILL'); // only after a failure: the rest have exited
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--clients') await runClients(Number(process.argv[3]), Number(process.argv[4]));
else {
  const dash = process.argv.indexOf('--');
  const positional = process.argv.slice(2, dash < 0 ? undefined : dash);
  const flags = dash < 0 ? [] : process.argv.slice(dash + 1);
  const [rounds, steps, cpuSteps] = [0, 1, 2].map((i) => Number(positional[i] ?? [5, 4000, 3000][i]));
  if (!(rounds >= 1) || !(steps > WARMUP_STEPS) || !(cpuSteps === 0 || cpuSteps > WARMUP_STEPS)) {
    process.stderr.write(
      `usage: npx tsx bench/hub.bench.ts [rounds ≥ 1] [steps > ${WARMUP_STEPS}] [cpuSteps: 0 or > ${WARMUP_STEPS}] [-- train flags]\n`,
    );
    process.exit(2);
  }
  await main(rounds, steps, cpuSteps, flags);
}
