// bench/peers: one epoch of the book's 5-layer MNIST net (784-100-100-100-100-10, ReLU, batch 128),
// samples/s with SGD and Adam, for gradstream (1 and 2 workers) and the peers that are installed:
// PyTorch CPU and numpy (Debian's python3-torch / python3-numpy, one thread each) and TensorFlow.js
// (if @tensorflow/tfjs and its wasm backend are installed). Peers that are missing are skipped, with a message.
// Usage: npx tsx bench/peers.bench.ts [samples=60000]

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
const BATCH = 128;
const PYTHON = '/usr/bin/python3'; // Debian's interpreter, where python3-torch and python3-numpy install
const peersDir = fileURLToPath(new URL('./peers/', import.meta.url));
const singleThread = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function python(script: string, optimizer: string): number | string {
  const module = script.startsWith('torch') ? 'torch' : 'numpy';
  const probe = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (probe.status !== 0)
    return `skipped: ${PYTHON} cannot import ${module} (apt-get install python3-${module})`;
  const run = spawnSync(PYTHON, [script, defaultMnistDir(), optimizer, String(samples)], {
    cwd: peersDir,
    encoding: 'utf8',
    env: { ...process.env, ...singleThread },
  });
  if (run.status !== 0) return `failed: ${run.stderr.trim().split('\n').at(-1)}`;
  return Number(run.stdout.trim());
}

async function gradstream(optimizer: 'sgd' | 'adam', workers: number): Promise<number> {
  const data = subset(loadMnist().train, 0, samples);
  const ends: number[] = [];
  const run = train({
    model: mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' }),
    optimizer: optimizer === 'sgd' ? sgd({ lr: 0.01 }) : adam({ lr: 1e-3 }),
    train: data,
    epochs: 1,
    batchSize: BATCH,
    workers,
    seed: 1,
  });
  const started = performance.now();
  await lastValueFrom(run.pipe(tap((e) => e.type === 'step' && ends.push(performance.now()))));
  return (samples * 1000) / (ends.at(-1)! - started);
}

const rows: Array<[string, number | string, number | string]> = [];
rows.push(['PyTorch 1 thread', python('torch_mnist.py', 'sgd'), python('torch_mnist.py', 'adam')]);
rows.push([
  'numpy (book-style), 1 BLAS thread',
  python('numpy_mnist.py', 'sgd'),
  python('numpy_mnist.py', 'adam'),
]);
for (const workers of [1, 2]) {
  rows.push([
    `gradstream, ${workers} worker${workers > 1 ? 's' : ''}`,
    await gradstream('sgd', workers),
    await gradstream('adam', workers),
  ]);
}
const cell = (v: number | string) => (typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : v);
console.log(
  `\nbench/peers — ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; one epoch of ${samples} samples, batch ${BATCH}, samples/s (wall time including start-up)\n`,
);
console.log('| system | SGD | Adam |');
console.log('|---|---:|---:|');
for (const [name, s, a] of rows) console.log(`| ${name} | ${cell(s)} | ${cell(a)} |`);
