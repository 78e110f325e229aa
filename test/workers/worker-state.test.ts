// The worker's caches: a network per (ring entry, lane, micro-batch) and a shard per (ring entry, lane),
// each under a numeric key that no other entry of the same plan shares.

import { describe, expect, it } from 'vitest';
import { fromArrays } from '../../src/data/dataset.js';
import { mlp } from '../../src/nn/mlp.js';
import { sgd } from '../../src/optim/alias.js';
import { batchSchedule } from '../../src/pipeline/batch-source.js';
import { createPipelineMemory } from '../../src/pipeline/memory.js';
import { createPlan, gradRegion } from '../../src/pipeline/plan.js';
import { shareDataset } from '../../src/pipeline/shared-data.js';
import { networkKey, shardKey, WorkerState } from '../../workers/worker-state.js';

describe('networkKey', () => {
  it('gives every (ring entry, lane, micro-batch) of a plan its own key, past 4096 micro-batches', () => {
    const plan = { lanes: 3, microBatches: 5000 };
    const ring = 2;
    const keys = new Set<number>();
    for (let r = 0; r < ring; r++)
      for (let w = 0; w < plan.lanes; w++)
        for (let k = 0; k < plan.microBatches; k++) keys.add(networkKey(plan, r, w, k));
    expect(keys.size).toBe(ring * plan.lanes * plan.microBatches);
    expect(Math.min(...keys)).toBe(0);
    expect(Math.max(...keys)).toBe(ring * plan.lanes * plan.microBatches - 1);
  });

  it('decodes back to its triple at the largest plan (17 ring entries, 64 lanes)', () => {
    const plan = { lanes: 64, microBatches: 5000 };
    let mismatches = 0;
    for (let r = 0; r < 17; r++)
      for (let w = 0; w < plan.lanes; w++)
        for (let k = 0; k < plan.microBatches; k++) {
          const key = networkKey(plan, r, w, k);
          const rw = Math.floor(key / plan.microBatches);
          if (key % plan.microBatches !== k || rw % plan.lanes !== w || Math.floor(rw / plan.lanes) !== r)
            mismatches++;
        }
    expect(mismatches).toBe(0);
  });
});

describe('shardKey', () => {
  it('gives every (ring entry, lane) its own key', () => {
    const plan = { lanes: 64, microBatches: 1 };
    const keys = new Set<number>();
    for (let r = 0; r < 17; r++) for (let w = 0; w < plan.lanes; w++) keys.add(shardKey(plan, r, w));
    expect(keys.size).toBe(17 * 64);
  });
});

describe('WorkerState', () => {
  it('builds distinct networks for micro-batches 4096 apart on different lanes', () => {
    const batchSize = 5000;
    const rows = Array.from({ length: batchSize }, (_, i) => [i % 2, (i >> 1) % 2]);
    const train = fromArrays(
      rows,
      rows.map(([a, b]) => a ^ b),
      { name: 'xor', classes: 2 },
    );
    const model = mlp({ sizes: [2, 2] });
    const plan = createPlan({
      model,
      optimizer: sgd({ lr: 0.1 }),
      batchSize,
      microBatches: 5000,
      workers: 2,
    });
    const memory = createPipelineMemory(plan, 'js', { train });
    const state = new WorkerState({
      plan,
      memory: { buffer: memory.arena.buffer as SharedArrayBuffer, descriptor: memory.arena.descriptor },
      train: shareDataset(memory.data.train),
      evalSets: {},
      barrier: { timeoutMs: 1000, spinMs: 0 },
      schedule: batchSchedule({ n: train.n, batchSize, steps: 1 }),
    });
    const lane1 = state.network(0, 1, 0);
    const lane0 = state.network(0, 0, 4096);
    expect(lane1).not.toBe(lane0);
    expect(lane1.grads.byteOffset).toBe(state.arena.f32(gradRegion(0, 0)).byteOffset);
    expect(lane0.grads.byteOffset).toBe(state.arena.f32(gradRegion(0, 4096)).byteOffset);
    expect(state.network(0, 1, 0)).toBe(lane1);
  });
});
