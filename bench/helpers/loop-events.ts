// A single-threaded training run as an Observable of TrainEvents, for the benches that put something on
// the training thread (bench/dashboard: the dashboard server). trainLoop's own setup (createLoopState),
// stepped a few steps per event-loop turn, so sockets and timers run in the gaps between chunks.

import { Observable } from 'rxjs';
import { batchCount, epochOrder } from '../../src/data/batch.js';
import type { Dataset } from '../../src/data/dataset.js';
import type { KernelPreference } from '../../src/kernels/select.js';
import { evaluate } from '../../src/nn/evaluate.js';
import type { MlpSpec } from '../../src/nn/mlp.js';
import { globalNormSquared, learningRateAt } from '../../src/optim/optimizer.js';
import type { TransformSpec } from '../../src/optim/transform.js';
import type { TrainEvent } from '../../src/train/events.js';
import { createLoopState } from '../../src/train/loop-state.js';

/** Options of {@link loopEvents}. */
export interface LoopEventsOptions {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly train: Dataset;
  /** Evaluated after every epoch (an `eval` event, split `test`), when given. */
  readonly evaluation?: Dataset;
  readonly batchSize: number;
  /** Default 1. */
  readonly epochs?: number;
  /** Default 1. */
  readonly seed?: number;
  /** Default `auto`. */
  readonly kernels?: KernelPreference;
  /** Steps run between two yields to the event loop. Default 4. */
  readonly stepsPerChunk?: number;
  readonly runId?: string;
}

/**
 * Trains on the main thread when subscribed; unsubscribing stops it. Emits start, step, eval (when
 * there is an evaluation set), epoch and end, as `train()` does.
 *
 * @example
 * const events$ = loopEvents({ model, optimizer: adam({ lr: 1e-3 }), train: data, batchSize: 128 });
 */
export function loopEvents(o: LoopEventsOptions): Observable<TrainEvent> {
  return new Observable<TrainEvent>((subscriber) => {
    const { model, batchSize, epochs = 1, seed = 1, stepsPerChunk = 4, runId = 'loop' } = o;
    const { network, optimizer, data } = createLoopState({
      model,
      optimizer: o.optimizer,
      train: o.train,
      batchSize,
      seed,
      kernels: o.kernels,
    });
    const perEpoch = batchCount(data.n, batchSize, false);
    const totalSteps = perEpoch * epochs;
    const order = new Uint32Array(data.n);
    const recent: number[] = [];
    const t0 = performance.now();
    const elapsed = () => performance.now() - t0;
    let epoch = 0;
    let batch = 0;
    let lossSum = 0;
    let timer: NodeJS.Immediate | undefined;

    const runStep = () => {
      if (batch === 0) epochOrder(data.n, seed, epoch, order);
      const start = batch * batchSize;
      const n = Math.min(batchSize, data.n - start);
      network.loadBatch(data, order, start, n);
      const step = optimizer.count + 1;
      const loss = network.lossAndGradient(n, step);
      // The optimizer overwrites the gradients with the update: measure them first.
      const gradNorm = Math.sqrt(globalNormSquared(network.grads));
      optimizer.step();
      lossSum += loss;
      recent.push(performance.now());
      if (recent.length > 10) recent.shift();
      const span = (recent[recent.length - 1] - recent[0]) / 1000;
      const samplesPerSecond = span > 0 ? ((recent.length - 1) * batchSize) / span : 0;
      const lr = learningRateAt(o.optimizer, step);
      const elapsedMs = elapsed();
      subscriber.next({
        type: 'step',
        step,
        epoch,
        loss,
        lr,
        samples: n,
        samplesPerSecond,
        elapsedMs,
        skipped: false,
        gradNorm,
      });
      if (++batch === perEpoch) endEpoch(step);
    };

    const endEpoch = (step: number) => {
      if (o.evaluation) {
        const e = evaluate(network, o.evaluation);
        subscriber.next({
          type: 'eval',
          step,
          epoch,
          split: 'test',
          loss: e.loss,
          accuracy: e.accuracy,
          n: e.n,
        });
      }
      subscriber.next({ type: 'epoch', epoch, step, meanLoss: lossSum / perEpoch });
      epoch++;
      batch = 0;
      lossSum = 0;
    };

    // One chunk of steps per event-loop turn.
    const chunk = () => {
      for (let i = 0; i < stepsPerChunk && optimizer.count < totalSteps; i++) runStep();
      if (optimizer.count < totalSteps) {
        timer = setImmediate(chunk);
        return;
      }
      const end = { type: 'end', step: optimizer.count, reason: 'completed', elapsedMs: elapsed() } as const;
      subscriber.next({ ...end, skippedSteps: 0 });
      subscriber.complete();
    };

    subscriber.next({
      type: 'start',
      runId,
      config: { model, optimizer: o.optimizer, batchSize, epochs, trainSize: data.n },
      totalSteps,
      stepsPerEpoch: perEpoch,
      paramCount: network.params.length,
      time: Date.now(),
    });
    timer = setImmediate(chunk);
    return () => {
      if (timer) clearImmediate(timer);
    };
  });
}
