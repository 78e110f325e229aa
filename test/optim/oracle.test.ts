import { describe, it } from 'vitest';
import { chain } from '../../src/optim/chain.js';
import { clipByGlobalNorm } from '../../src/optim/clip-by-global-norm.js';
import { optimizerFromConfig } from '../../src/optim/from-config.js';
import { createOptimizer } from '../../src/optim/optimizer.js';
import { type ScheduleSpec, scheduleValue } from '../../src/optim/schedules.js';
import { Rng } from '../../src/random/rng.js';
import { expectClose } from './helpers.js';
import { type OracleConfig, oracle } from './oracle.js';

const CASES: ReadonlyArray<OracleConfig & { readonly lr: number }> = [
  { name: 'sgd', lr: 0.1 },
  { name: 'sgd', lr: 0.1, weightDecay: 0.05 },
  { name: 'momentum', lr: 0.05, momentum: 0.9 },
  { name: 'momentum', lr: 0.05, momentum: 0.5, weightDecay: 0.1 },
  { name: 'nesterov', lr: 0.05, momentum: 0.9 },
  { name: 'adagrad', lr: 0.3 },
  { name: 'rmsprop', lr: 0.01, alpha: 0.9 },
  { name: 'adam', lr: 0.01 },
  { name: 'adam', lr: 0.01, beta1: 0.5, beta2: 0.9, eps: 1e-3 },
  { name: 'adamw', lr: 0.01, weightDecay: 0.1 },
  { name: 'momentum', lr: 0.05, clip: 0.5 },
  { name: 'adam', lr: 0.01, clip: 2 },
];

const STEPS = 6;

describe('optimizers vs the naive oracle', () => {
  it.each(CASES.map((c, i) => ({ ...c, label: `${c.name} #${i}` })))(
    '$label agrees on random vectors',
    (c) => {
      const rng = new Rng(1234).fork(c.label);
      const n = 1 + rng.int(40);
      const { clip, lr, label: _label, ...config } = c;
      const base = optimizerFromConfig({ ...config, lr });
      const spec = clip === undefined ? base : chain(clipByGlobalNorm({ maxNorm: clip }), base);
      const params = rng.fillNormal(new Float32Array(n), 1);
      const grads = new Float32Array(n);
      const opt = createOptimizer(spec, { params, grads });
      const ref = oracle(c);
      const p = Array.from(params);
      for (let t = 0; t < STEPS; t++) {
        const g = Array.from(rng.fillNormal(new Float32Array(n), 1));
        grads.set(g);
        opt.step();
        ref.step(p, g, lr);
        expectClose(params, p, 1e-5);
      }
    },
  );

  it('agrees with a schedule and an lr override', () => {
    const rng = new Rng(99);
    const schedule: ScheduleSpec = { kind: 'cosine', init: 0.1, steps: 4, min: 0.01 };
    const params = rng.fillNormal(new Float32Array(8), 1);
    const grads = new Float32Array(8);
    const opt = createOptimizer(optimizerFromConfig({ name: 'adam', lr: schedule }), { params, grads });
    const ref = oracle({ name: 'adam' });
    const p = Array.from(params);
    for (let t = 0; t < 6; t++) {
      const g = Array.from(rng.fillNormal(new Float32Array(8), 1));
      grads.set(g);
      const override = t === 3 ? 0.5 : undefined;
      opt.step(override);
      ref.step(p, g, override ?? scheduleValue(schedule, t));
      expectClose(params, p, 1e-5);
    }
  });
});
