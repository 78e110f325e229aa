// Peer benchmark: TensorFlow.js 4.22 (its cpu or its wasm backend) training the book's 5-layer MNIST
// net, batch 128, SGD or Adam, written the way its guides do (variables, autodiff through
// optimizer.minimize); returns samples/s over `steps` steps after one warm-up step.

import { createRequire } from 'node:module';
import type { Dataset } from '../../src/data/dataset.js';

const require = createRequire(import.meta.url);

const SIZES = [784, 100, 100, 100, 100, 10];
const BATCH = 128;

/** Samples/s of TF.js on `backend` for `steps` steps of batch 128 (the first, warm-up step untimed). */
export async function tfjsSamplesPerSecond(
  backend: 'cpu' | 'wasm',
  optimizer: 'sgd' | 'adam',
  data: Dataset,
  steps: number,
): Promise<number> {
  // The packages' CommonJS bundles (their ES builds expect a bundler); @tensorflow/tfjs registers
  // the cpu backend and every gradient, the wasm backend registers itself.
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend)))
    throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  await tf.ready();
  tf.env().set('IS_TEST', false);
  // Batches are made from typed arrays each step, as a TF.js user feeds them: one huge tensor of all
  // samples made the wasm backend's slice several times slower than the step itself.
  const x = Float32Array.from(data.x, (v) => v * data.scale);
  const labels = Int32Array.from(data.labels);
  const weights = SIZES.slice(1).map((out, i) =>
    tf.variable(tf.randomNormal([SIZES[i], out], 0, Math.sqrt(2 / SIZES[i]), 'float32', 1 + i)),
  );
  const biases = SIZES.slice(1).map((out) => tf.variable(tf.zeros([out])));
  const opt = optimizer === 'sgd' ? tf.train.sgd(0.01) : tf.train.adam(1e-3);
  const step = (s: number) => {
    const start = (s * BATCH) % (data.n - BATCH);
    const xb = tf.tensor2d(x.subarray(start * data.features, (start + BATCH) * data.features), [
      BATCH,
      data.features,
    ]);
    const yb = tf.oneHot(tf.tensor1d(labels.subarray(start, start + BATCH), 'int32'), 10);
    opt.minimize(() => {
      let h: import('@tensorflow/tfjs').Tensor2D = xb;
      for (let i = 0; i < weights.length; i++) {
        h = tf.add(tf.matMul(h, weights[i]), biases[i]);
        if (i < weights.length - 1) h = tf.relu(h);
      }
      return tf.losses.softmaxCrossEntropy(yb, h) as import('@tensorflow/tfjs').Scalar;
    });
    tf.dispose([xb, yb]);
  };
  step(0);
  await tf.ready();
  const started = performance.now();
  for (let s = 1; s <= steps; s++) step(s);
  // The last update is read back, so every queued kernel has run before the clock stops.
  await weights[0].data();
  const elapsed = performance.now() - started;
  tf.dispose([...weights, ...biases]);
  opt.dispose();
  return (steps * BATCH * 1000) / elapsed;
}
