// Regression end to end on the worker pool: an MLP with linear outputs and the MSE loss learns a
// known function of two inputs (two target columns); its evaluations carry RMSE and MAE; 1 and 2
// workers give the same bits; a classifier refuses a regression dataset and vice versa.

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { evaluate } from '../../src/nn/evaluate.js';
import { mlp } from '../../src/nn/mlp.js';
import { Network } from '../../src/nn/network.js';
import { adam } from '../../src/optim/alias.js';
import { slotRegion } from '../../src/pipeline/plan.js';
import { createTrainingSession } from '../../src/pipeline/train.js';
import { Rng } from '../../src/random/rng.js';
import type { EvalEvent, TrainEvent } from '../../src/train/events.js';

/** y₁ = sin(2a) + b², y₂ = a·b, for (a, b) uniform in [−1, 1]²: a smooth known rule. */
function table(n: number, seed: number, name: string): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const targets = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    x.set([a, b], i * 2);
    targets.set([Math.sin(2 * a) + b * b, a * b], i * 2);
  }
  return { name, n, features: 2, classes: 2, x, scale: 1, labels: new Uint8Array(n), targets };
}

const train = table(4000, 1, 'rule/train');
const validation = table(1000, 2, 'rule/validation');
const model = mlp({ sizes: [2, 32, 32, 2], loss: 'mse' });

async function run(workers: number, epochs: number) {
  const session = createTrainingSession({
    model,
    optimizer: adam({ lr: 0.01 }),
    train,
    validation,
    batchSize: 50,
    epochs,
    workers,
    seed: 5,
  });
  const events: TrainEvent[] = await lastValueFrom(session.events$.pipe(toArray()));
  const state = ['params', 'buffers', ...session.plan.slotNames.map(slotRegion)].map((r) =>
    Buffer.from(new Uint8Array(session.memory.f32(r).slice().buffer)),
  );
  return { events, state };
}

const evals = (events: TrainEvent[]) => events.filter((e): e is EvalEvent => e.type === 'eval');

describe('regression (MSE) on the worker pool', () => {
  it('learns y = (sin 2a + b², ab): validation RMSE falls below 0.05, reported with MAE', async () => {
    const { events } = await run(2, 15);
    const validations = evals(events).filter((e) => e.split === 'validation');
    const first = validations[0];
    const last = validations.at(-1)!;
    expect(last.rmse).toBeLessThan(0.05);
    expect(last.rmse).toBeLessThan(first.rmse! / 5);
    expect(last.mae).toBeGreaterThan(0);
    expect(last.mae).toBeLessThanOrEqual(last.rmse!);
    // The loss is the mean squared error: RMSE² up to float rounding.
    expect(last.loss).toBeCloseTo(last.rmse! ** 2, 6);
    expect(Number.isNaN(last.accuracy)).toBe(true);
  }, 60_000);

  it('gives the same bits with 1 and 2 workers', async () => {
    const [one, two] = [await run(1, 1), await run(2, 1)];
    for (const [i, bytes] of two.state.entries())
      expect(bytes.equals(one.state[i]), `region ${i}`).toBe(true);
    // Evaluation sums are split over the lanes, so they agree to float64 rounding, not to the bit.
    const [rmse1, rmse2] = [evals(one.events), evals(two.events)].map((e) => e.map((x) => x.rmse!));
    expect(rmse2).toHaveLength(rmse1.length);
    for (const [i, r] of rmse2.entries()) expect(r).toBeCloseTo(rmse1[i], 12);
  }, 60_000);

  it('evaluate() in one thread: RMSE and MAE by hand from the outputs', () => {
    const net = Network.create(model, { capacity: 64 });
    net.initialize(3);
    const small = {
      ...validation,
      n: 100,
      x: validation.x.subarray(0, 200),
      targets: validation.targets!.subarray(0, 200),
    };
    const e = evaluate(net, small);
    let squared = 0;
    let absolute = 0;
    for (let start = 0; start < 100; start += 50) {
      net.input.set(small.x.subarray(start * 2, (start + 50) * 2));
      net.forward({ n: 50, train: false, step: 0 });
      for (let i = 0; i < 100; i++) {
        const diff = net.logits[i] - small.targets[start * 2 + i];
        squared += diff * diff;
        absolute += Math.abs(diff);
      }
    }
    expect(e.rmse).toBeCloseTo(Math.sqrt(squared / 200), 5);
    expect(e.mae).toBeCloseTo(absolute / 200, 5);
  });

  it('a classifier refuses a regression dataset, and a regression network a classification one', () => {
    const classifier = Network.create(mlp({ sizes: [2, 4, 2] }), { capacity: 8 });
    expect(() => evaluate(classifier, validation)).toThrow(
      'evaluate: the network is a classifier, rule/validation has 2 target column(s) (a regression dataset)',
    );
    const labelled: Dataset = { ...validation, targets: undefined };
    expect(() => evaluate(Network.create(model, { capacity: 8 }), labelled)).toThrow(
      'evaluate: the regression network has 2 output(s), rule/validation has class labels',
    );
  });
});
