// bench/optimizer: one Adam update over 10M float32 parameters, as the composed chain
// (scaleByAdam → scaleByLearningRate → applyUpdates, three passes) and as one fused reference loop,
// side by side in one process, alternating, median of N. GB/s counts Adam's essential traffic:
// read g, m, v, p and write m, v, p = 28 bytes per parameter.
// Usage: npx tsx bench/optimizer.bench.ts [params=10000000] [repeats=9]

import { cpus } from 'node:os';
import { adam } from '../src/optim/alias.js';
import { createOptimizer } from '../src/optim/optimizer.js';
import { Rng } from '../src/random/rng.js';

const n = Number(process.argv[2] ?? 10_000_000);
const repeats = Number(process.argv[3] ?? 9);
const rng = new Rng(1);
const params = rng.fillNormal(new Float32Array(n), 0.1);
const gradSource = rng.fillNormal(new Float32Array(n), 0.01);
const grads = new Float32Array(n);
const optimizer = createOptimizer(adam({ lr: 1e-3 }), { params, grads });

// The same math in one pass: the lower bound a composed chain is measured against.
const m = new Float32Array(n);
const v = new Float32Array(n);
const fusedParams = params.slice();
let t = 0;
function fusedAdam(g: Float32Array, lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8): void {
  t++;
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    fusedParams[i] -= (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
  }
}

const time = (f: () => void) => {
  const start = performance.now();
  f();
  return performance.now() - start;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const chain: number[] = [];
const fused: number[] = [];
for (let r = 0; r < repeats + 2; r++) {
  grads.set(gradSource); // the chain turns grads into the update in place: refill, untimed
  const c = time(() => optimizer.step());
  const f = time(() => fusedAdam(gradSource));
  if (r >= 2) {
    chain.push(c);
    fused.push(f);
  }
}
const gbs = (ms: number) => (28 * n) / (ms * 1e6);
console.log(
  `\nbench/optimizer — ${cpus()[0].model}, 1 thread, Node ${process.version}; Adam over ${n.toLocaleString('en-US')} params, median of ${repeats} (2 warm-up)\n`,
);
console.log('| update | ms | GB/s (28 B/param) |');
console.log('|---|---:|---:|');
console.log(`| composed chain (js) | ${median(chain).toFixed(1)} | ${gbs(median(chain)).toFixed(2)} |`);
console.log(`| fused single loop (js) | ${median(fused).toFixed(1)} | ${gbs(median(fused)).toFixed(2)} |`);
