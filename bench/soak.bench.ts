// bench/soak: does a long run stay healthy? One `gradstream train` child process on the defaults (the
// CLI's model, optimizer, 2 workers, run store, checkpoints every 5 minutes, the dashboard served with
// its histograms) trains for `minutes`; every `window` seconds this script samples the child's resident
// memory (/proc/<pid>/status VmRSS: the process and its worker threads) and its progress, read live from
// the run store (the newest `elapsedMs` point: the run's own clock, so the parent never parses the
// child's event stream and takes almost no CPU). At the end it stops the child with SIGINT and prints
// one row per window and a summary: RSS growth after warm-up and throughput from the first to the last
// window.
// Usage: npx tsx bench/soak.bench.ts [minutes=20] [window=10] [variant=cli] [-- extra train flags]
//   variant cli: as above; bare: --no-dashboard (no server, no histograms) — to tell the parts apart.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';

const dash = process.argv.indexOf('--');
const positional = process.argv.slice(2, dash < 0 ? undefined : dash);
const extra = dash < 0 ? [] : process.argv.slice(dash + 1);
const minutes = Number(positional[0] ?? 20);
const windowSeconds = Number(positional[1] ?? 10);
const variant = positional[2] ?? 'cli';
if (!(minutes > 0) || !(windowSeconds > 0) || !['cli', 'bare'].includes(variant)) {
  process.stderr.write('usage: npx tsx bench/soak.bench.ts [minutes>0] [window seconds>0] [cli|bare]\n');
  process.exit(2);
}
const WARMUP_S = 120; // RSS growth is measured from here: thread start, JIT and buffers filling are done

const store = mkdtempSync(join(tmpdir(), 'gradstream-soak-'));
const probe = join(store, 'memory.json');
const args = [
  '--import',
  'tsx',
  '--require',
  './bench/helpers/memory-probe.cjs',
  'src/cli/main.ts',
  'train',
  '--epochs',
  '100000', // far more than fits: the run is stopped by SIGINT at the end
  '--store',
  store,
  ...(variant === 'bare' ? ['--no-dashboard'] : ['--port', '0']),
  ...extra,
];
const child = spawn(process.execPath, args, {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, GRADSTREAM_MEMORY_PROBE: probe, GRADSTREAM_MEMORY_PROBE_MS: '2000' },
});
let stderr = '';
child.stderr.on('data', (chunk: Buffer) => {
  stderr = (stderr + chunk.toString()).slice(-4000);
});
const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

/** The run's newest recorded step and its elapsed time, read from the store (undefined before the first flush). */
function progress(db: Database.Database): { step: number; elapsedMs: number } | undefined {
  const row = db
    .prepare(`SELECT step, value FROM metrics WHERE name = 'elapsedMs' ORDER BY step DESC LIMIT 1`)
    .get() as { step: number; value: number } | undefined;
  return row && { step: row.step, elapsedMs: row.value };
}

/** The child's own view of its memory (bench/helpers/memory-probe.cjs), in MB. */
function heapMb(): { heap: number; external: number; arrayBuffers: number } {
  try {
    const m = JSON.parse(readFileSync(probe, 'utf8')) as NodeJS.MemoryUsage;
    return {
      heap: m.heapUsed / 2 ** 20,
      external: m.external / 2 ** 20,
      arrayBuffers: m.arrayBuffers / 2 ** 20,
    };
  } catch {
    return { heap: Number.NaN, external: Number.NaN, arrayBuffers: Number.NaN };
  }
}

interface Sample {
  readonly t: number; // seconds since the child was spawned
  readonly rss: number;
  readonly heap: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly step: number;
  readonly elapsedMs: number;
}

const batchSize = Number(extra[extra.indexOf('--batch-size') + 1]) || 100;
const samples: Sample[] = [];
const start = performance.now();
let db: Database.Database | undefined;
const deadline = start + minutes * 60_000;
while (performance.now() < deadline && child.exitCode === null) {
  await sleep(windowSeconds * 1000 - ((performance.now() - start) % (windowSeconds * 1000)));
  if (child.exitCode !== null) break;
  try {
    db ??= new Database(join(store, 'gradstream.db'), { readonly: true, fileMustExist: true });
  } catch {
    continue; // the store is not there yet
  }
  const p = progress(db);
  if (!p) continue;
  const sample = { t: (performance.now() - start) / 1000, rss: rssMb(child.pid!), ...heapMb(), ...p };
  samples.push(sample);
  const prev = samples.at(-2);
  const rate = prev ? ((p.step - prev.step) * batchSize * 1000) / (p.elapsedMs - prev.elapsedMs) : Number.NaN;
  process.stderr.write(
    `soak: ${sample.t.toFixed(0)} s, step ${p.step}, ${Number.isNaN(rate) ? '—' : Math.round(rate)} samples/s, RSS ${sample.rss.toFixed(0)} MB (main thread's V8 heap ${sample.heap.toFixed(0)}, external ${sample.external.toFixed(0)}, array buffers ${sample.arrayBuffers.toFixed(0)})\n`,
  );
}
db?.close();
child.kill('SIGINT');
const code = await exited;
if (samples.length < 3) {
  process.stderr.write(`soak: too few samples (child exit ${code}); its stderr:\n${stderr}\n`);
  process.exit(1);
}

const rows = samples.slice(1).map((s, i) => {
  const prev = samples[i];
  return {
    t: s.t,
    rss: s.rss,
    heap: s.heap,
    external: s.external,
    step: s.step,
    rate: ((s.step - prev.step) * batchSize * 1000) / (s.elapsedMs - prev.elapsedMs),
  };
});
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const afterWarmup = rows.filter((r) => r.t >= WARMUP_S);
const warmRss = afterWarmup[0]?.rss ?? Number.NaN;
const lastRss = rows.at(-1)!.rss;
const firstMinute = rows.filter((r) => r.t < 60).map((r) => r.rate);
const lastFive = rows.filter((r) => r.t >= rows.at(-1)!.t - 300).map((r) => r.rate);

const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  [
    `# soak: ${minutes} min, variant ${variant}${extra.length ? ` (${extra.join(' ')})` : ''}; ${cpus().length} × ${cpu}; Node ${process.version}`,
    '',
    '| time (s) | step | samples/s (window) | RSS (MB) | main V8 heap (MB) | external (MB) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.t.toFixed(0)} | ${r.step} | ${Math.round(r.rate)} | ${r.rss.toFixed(0)} | ${r.heap.toFixed(0)} | ${r.external.toFixed(0)} |`,
    ),
    '',
    `RSS: ${rows[0].rss.toFixed(0)} MB at ${rows[0].t.toFixed(0)} s, ${warmRss.toFixed(0)} MB after warm-up (${WARMUP_S} s), ${lastRss.toFixed(0)} MB at the end: growth after warm-up ${(lastRss - warmRss).toFixed(1)} MB`,
    `samples/s: first window ${Math.round(rows[0].rate)}, median of the first minute ${Math.round(median(firstMinute))}, ` +
      `median of the last 5 minutes ${Math.round(median(lastFive))}, last window ${Math.round(rows.at(-1)!.rate)}`,
    `child exit code after SIGINT: ${code}`,
    '',
  ].join('\n'),
);
rmSync(store, { recursive: true, force: true });
