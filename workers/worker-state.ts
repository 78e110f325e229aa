// A worker thread's view of a run: attaches to the shared arena once and builds, lazily, the network
// instances, epoch orders and shard views its tasks need. Nothing here allocates per step.

import { epochOrder } from '../src/data/batch.js';
import type { Dataset } from '../src/data/dataset.js';
import { viewDataset } from '../src/data/in-arena.js';
import { jsKernels } from '../src/kernels/js/index.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { attachWasmKernels, attachWasmOptimizerKernels } from '../src/kernels/wasm/wasm-kernels.js';
import { Network } from '../src/nn/network.js';
import { compile } from '../src/optim/compile.js';
import type { Slots, Transform } from '../src/optim/transform.js';
import {
  evalScope,
  gradRegion,
  laneScope,
  NORM_BLOCKS,
  type PipelinePlan,
  slotRegion,
  statsRegion,
} from '../src/pipeline/plan.js';
import { attachDataset } from '../src/pipeline/shared-data.js';
import { LearningRateControl, StepResults, SyncWords } from '../src/pipeline/sync/protocol.js';
import type { WorkerInit } from '../src/pipeline/tasks.js';
import { Arena } from '../src/tensor/arena.js';
import { shardRanges } from '../src/tensor/layout.js';

/** One lane's slice of the flat vectors, for the update phase. */
export interface Shard {
  /** First and one-past-last norm block this lane reduces. */
  readonly blocks: readonly [number, number];
  readonly start: number;
  readonly end: number;
  /** The reduced gradient (ring entry's micro-batch 0 region), then the update, over the shard. */
  readonly u: Float32Array;
  /** `u` cut at the shard's norm blocks (one view per block, made once). */
  readonly blockGrads: readonly Float32Array[];
  /** Every micro-batch's gradient over the shard (`micro[0]` is `u`). */
  readonly micro: readonly Float32Array[];
  /** Every micro-batch's batch-norm statistics (whole buffers vector; lane 0 folds them). */
  readonly stats: readonly Float32Array[];
  readonly params: Float32Array;
  readonly slots: Slots;
}

/** What the cache keys depend on: a plan's lane and micro-batch counts. */
type KeyShape = Pick<PipelinePlan, 'lanes' | 'microBatches'>;

/**
 * The cache key of the network lane `w` uses for micro-batch `k` of ring entry `r`: the mixed-radix
 * number (r, w, k) with digits below (ring, lanes, microBatches), so distinct triples of a plan never
 * share a key, whatever its micro-batch count. At most ring · lanes · microBatches − 1 (≤ 17 · 64 ·
 * batchSize): a safe integer for any batch an arena can hold. Evaluation networks use negative keys.
 */
export function networkKey(plan: KeyShape, r: number, w: number, k: number): number {
  return (r * plan.lanes + w) * plan.microBatches + k;
}

/** The cache key of lane `w`'s shard of ring entry `r`: (r, w) with digits below (ring, lanes). */
export function shardKey(plan: KeyShape, r: number, w: number): number {
  return r * plan.lanes + w;
}

/** Everything a worker's handlers read, built from the `WorkerInit` it was given. */
export class WorkerState {
  readonly init: WorkerInit;
  readonly plan: PipelinePlan;
  readonly arena: Arena;
  readonly kernels: Kernels;
  readonly transform: Transform;
  readonly train: Dataset;
  /** Evaluation sets by name (validation, test). */
  readonly evalSets: Readonly<Record<string, Dataset>>;
  /** The sync protocol's shared words (barriers, flags, chunk counters). */
  readonly words: SyncWords;
  readonly losses: Float64Array;
  readonly norms: Float64Array;
  /** Per-step results of sync chunks. */
  readonly results: StepResults;
  /** The learning-rate override the main thread set. */
  readonly control: LearningRateControl;
  /** Batch-norm running statistics (shared; folded by lane 0 in the update phase). */
  readonly buffers: Float32Array;
  /** The optimizer's step context, rewritten every update (no allocation per step). */
  readonly stepContext: { step: number; lrOverride: number | undefined; gradNorm: number } = {
    step: 0,
    lrOverride: undefined,
    gradNorm: 0,
  };
  /** Norm blocks as [start, end) ranges of the flat vector, fixed for the run. */
  readonly blockRanges: ReadonlyArray<readonly [number, number]>;
  // Numeric keys (networkKey, shardKey; evaluation networks below 0): a string key per lookup would
  // allocate on every step.
  readonly #networks = new Map<number, Network>();
  readonly #shards = new Map<number, Shard>();
  #orderEpoch = -1;
  readonly #order: Uint32Array;

  constructor(init: WorkerInit) {
    this.init = init;
    this.plan = init.plan;
    this.kernels = init.wasm ? attachWasmKernels(init.wasm) : jsKernels;
    const buffer = init.wasm ? (init.wasm.memory.buffer as unknown as SharedArrayBuffer) : init.memory.buffer;
    this.arena = new Arena(buffer, init.memory.descriptor);
    // The shards' views lie in the wasm memory when the kernels are wasm: fuse the update there too.
    const optimizerKernels = init.wasm ? attachWasmOptimizerKernels(init.wasm) : undefined;
    this.transform = compile(init.plan.optimizer, { kernels: optimizerKernels });
    // Samples through this worker's own view of the arena, where the kernels' gather reads them.
    this.train = viewDataset(this.arena, 'train', attachDataset(init.train));
    this.evalSets = Object.fromEntries(
      Object.entries(init.evalSets).map(([key, ds]) => [
        key,
        viewDataset(this.arena, key, attachDataset(ds)),
      ]),
    );
    this.words = SyncWords.of(this.arena);
    this.losses = this.arena.f64('losses');
    this.norms = this.arena.f64('norms');
    this.results = new StepResults(this.arena);
    this.control = new LearningRateControl(this.arena);
    this.buffers = this.arena.f32('buffers');
    this.blockRanges = shardRanges(init.plan.paramSize, NORM_BLOCKS);
    this.#order = new Uint32Array(this.train.n);
  }

  /** The network lane `w` uses to compute micro-batch `k` of ring entry `r`. */
  network(r: number, w: number, k: number): Network {
    const key = networkKey(this.plan, r, w, k);
    let net = this.#networks.get(key);
    if (!net) {
      net = new Network(this.plan.model, this.arena, {
        capacity: this.plan.microBatchSize,
        kernels: this.kernels,
        seed: this.plan.seed,
        skipInputZeros: this.plan.skipInputZeros,
        grads: gradRegion(r, k),
        batchStats: statsRegion(r, k),
        scope: laneScope(r, w),
      });
      this.#networks.set(key, net);
    }
    return net;
  }

  /** The network evaluation lane `w` uses (inference only; it never writes gradients). */
  evalNetwork(w: number): Network {
    const key = -1 - w;
    let net = this.#networks.get(key);
    if (!net) {
      net = new Network(this.plan.model, this.arena, {
        capacity: this.plan.microBatchSize,
        kernels: this.kernels,
        skipInputZeros: this.plan.skipInputZeros,
        grads: gradRegion(0, 0),
        scope: evalScope(w),
      });
      this.#networks.set(key, net);
    }
    return net;
  }

  /** The seeded sample order of `epoch` (recomputed only when the epoch changes). */
  order(epoch: number): Uint32Array {
    if (epoch !== this.#orderEpoch) {
      epochOrder(this.train.n, this.plan.seed, epoch, this.#order);
      this.#orderEpoch = epoch;
    }
    return this.#order;
  }

  /** Lane `w`'s contiguous share of the norm blocks and the views over it, for ring entry `r`. */
  shard(r: number, w: number): Shard {
    const key = shardKey(this.plan, r, w);
    let shard = this.#shards.get(key);
    if (!shard) {
      const lanes = this.plan.lanes;
      const first = Math.floor((w * NORM_BLOCKS) / lanes);
      const last = Math.floor(((w + 1) * NORM_BLOCKS) / lanes);
      const start = first < last ? this.blockRanges[first][0] : 0;
      const end = first < last ? this.blockRanges[last - 1][1] : 0;
      const slots: Record<string, Float32Array> = {};
      for (const name of this.plan.slotNames)
        slots[name] = this.arena.f32(slotRegion(name)).subarray(start, end);
      const micro: Float32Array[] = [];
      const stats: Float32Array[] = [];
      for (let k = 0; k < this.plan.microBatches; k++) {
        micro.push(this.arena.f32(gradRegion(r, k)).subarray(start, end));
        stats.push(this.arena.f32(statsRegion(r, k)));
      }
      const blockGrads: Float32Array[] = [];
      for (let b = first; b < last; b++) {
        const [lo, hi] = this.blockRanges[b];
        blockGrads.push(micro[0].subarray(lo - start, hi - start));
      }
      shard = {
        blocks: [first, last],
        blockGrads,
        start,
        end,
        u: micro[0],
        micro,
        stats,
        params: this.arena.f32('params').subarray(start, end),
        slots,
      };
      this.#shards.set(key, shard);
    }
    return shard;
  }
}
