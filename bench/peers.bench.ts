// bench/peers: one epoch of the book's 5-layer MNIST net (784-100-100-100-100-10, ReLU, batch 128),
// samples/s with SGD and Adam, for gradstream (1 and 2 workers; as it runs by default, skipping the
// zero pixels in the first layer, and with every product dense as the peers compute them) and the
// peers that are installed:
// PyTorch CPU and numpy (Debian's python3-torch / python3-numpy, one thread each) and TensorFlow.js 4.22
// (@tensorflow/tfjs and its wasm backend, dev dependencies). Peers that are missing are skipped, with a message.
// Every row times the training loop only: the peers from their first step (data loaded, model built),
// gradstream from the end of its first step (worker threads started, modules compiled) — one batch
// fewer counted. TensorFlow.js runs TFJS_STEPS steps after a warm-up step, not a whole epoch (its cpu
// backend would need about a minute per epoch); its rate is steady from the first steps. PyTorch and numpy are only as fast as the BLAS they load: Debian's reference BLAS
// (libblas3) is several times slower than OpenBLAS (libopenblas0-pthread); the table names the one used.
// Usage: npx tsx bench/peers.bench.ts [samples=60000] [repeats=3]   (median of the repeats)

import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, tap } from 'rxjs';
import { subset } from '../src/data/dataset.js';
import { defaultMnistDir, loadMnist } from '../src/data/mnist.js';
import { mlp } from '../src/nn/mlp.js';
import { adam, sgd } from '../src/optim/alias.js';
import { train } from '../src/pipeline/train.js';

const samples = Number(process.argv[2] ?? 60000);
const repeats = Number(process.argv[3] ?? 3);
const BATCH = 128;
const PYTHON = '/usr/bin/python3'; // Debian's interpreter, where python3-torch and python3-numpy install
const peersDir = fileURLToPath(new URL('./peers/', import.meta.url));
const singleThread = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

const blas = new Set<string>();
const mnist = loadMnist(); // read once, before anything is timed

function python(script: string, optimizer: string, env: Record<string, string> = {}): number | string {
  const module = script.startsWith('torch') ? 'torch' : 'numpy';
  const probe = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (probe.status !== 0)
    return `skipped: ${PYTHON} cannot import ${module} (apt-get install python3-${module})`;
  const run = spawnSync(PYTHON, [script, defaultMnistDir(), optimizer, String(samples)], {
    cwd: peersDir,
    encoding: 'utf8',
    env: { ...process.env, ...singleThread, ...env },
  });
  if (run.status !== 0) return `failed: ${run.stderr.trim().split('\n').at(-1)}`;
  for (const line of run.stderr.split('\n')) if (line.startsWith('blas: ')) blas.add(line.slice(6));
  return Number(run.stdout.trim());
}

async function gradstream(
  optimizer: 'sgd' | 'adam',
  workers: number,
  skipInputZeros: boolean | 'auto' = 'auto',
): Promise<number> {
  const data = subset(mnist.train, 0, samples);
  const ends: number[] = [];
  const run = train({
    model: mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' }),
    optimizer: optimizer === 'sgd' ? sgd({ lr: 0.01 }) : adam({ lr: 1e-3 }),
    train: data,
    epochs: 1,
    batchSize: BATCH,
    workers,
    skipInputZeros,
    seed: 1,
    histogramEvery: 0, // the training alone, as the peers are timed
  });
  await lastValueFrom(run.pipe(tap((e) => e.type === 'step' && ends.push(performance.now()))));
  return ((samples - BATCH) * 1000) / (ends.at(-1)! - ends[0]);
}

/** TensorFlow.js steps timed per run: the cpu backend does ~10 steps a second, the wasm one ~50. */
const TFJS_STEPS = { cpu: 30, wasm: 200 } as const;

async function tfjs(backend: 'cpu' | 'wasm', optimizer: 'sgd' | 'adam'): Promise<number | string> {
  try {
    const { tfjsSamplesPerSecond } = await import('./peers/tfjs-mnist.js');
    return await tfjsSamplesPerSecond(backend, optimizer, mnist.train, TFJS_STEPS[backend]);
  } catch (error) {
    return `skipped: ${(error as Error).message.split('\n')[0]} (npm install --save-dev @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0)`;
  }
}

type Cell = number | string;
const contenders: Array<[string, (optimizer: 'sgd' | 'adam') => Cell | Promise<Cell>]> = [
  ['PyTorch 1 thread', (o) => python('torch_mnist.py', o)],
  ["numpy, the book's numerics (float64 parameters), 1 BLAS thread", (o) => python('numpy_mnist.py', o)],
  ['numpy, float32 parameters, 1 BLAS thread', (o) => python('numpy_mnist.py', o, { PARAMS: 'float32' })],
  ['TensorFlow.js 4.22, wasm backend (SIMD)', (o) => tfjs('wasm', o)],
  ['TensorFlow.js 4.22, cpu backend (plain JS)', (o) => tfjs('cpu', o)],
  ['gradstream, 1 worker', (o) => gradstream(o, 1)],
  ['gradstream, 2 workers', (o) => gradstream(o, 2)],
  // The same with every product dense, as the peers run: what skipping MNIST's zero pixels is worth.
  ['gradstream, 1 worker, dense first layer', (o) => gradstream(o, 1, false)],
  ['gradstream, 2 workers, dense first layer', (o) => gradstream(o, 2, false)],
];
// Every contender once per round, alternating, so a slow spell of the machine hits all of them.
const runs = contenders.map(() => ({ sgd: [] as Cell[], adam: [] as Cell[] }));
for (let round = 0; round < repeats; round++) {
  for (const [i, [name, run]] of contenders.entries()) {
    for (const o of ['sgd', 'adam'] as const) runs[i][o].push(await run(o));
    process.stderr.write(`round ${round + 1}/${repeats}: ${name} done\n`);
  }
}
/** The median of the numbers, or the first message when a peer was skipped or failed. */
const median = (cells: Cell[]): Cell => {
  const numbers = cells.filter((c): c is number => typeof c === 'number').sort((a, b) => a - b);
  return numbers.length === cells.length
    ? numbers[Math.floor(numbers.length / 2)]
    : cells.find((c) => typeof c === 'string')!;
};
const rows = contenders.map(([name], i): [string, Cell, Cell] => [
  name,
  median(runs[i].sgd),
  median(runs[i].adam),
]);
const cell = (v: number | string) => (typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : v);
console.log(
  `\nbench/peers — ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; one epoch of ${samples} samples, batch ${BATCH}, samples/s of the training loop (see the header), median of ${repeats}\n`,
);
if (blas.size > 0) console.log(`BLAS loaded by the Python peers: ${[...blas].join('; ')}\n`);
console.log('| system | SGD | Adam |');
console.log('|---|---:|---:|');
for (const [name, s, a] of rows) console.log(`| ${name} | ${cell(s)} | ${cell(a)} |`);
