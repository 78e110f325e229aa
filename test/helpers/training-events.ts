// A real, short MNIST training run as an Observable of TrainEvents, stepping in small chunks between
// event-loop turns and obeying a RunController. A stand-in for the pipeline's `train()` in tests and bench.

import { Observable } from 'rxjs';
import { batchCount, epochOrder, gatherBatch } from '../../src/data/batch.js';
import type { Dataset } from '../../src/data/dataset.js';
import { subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { evaluate } from '../../src/nn/evaluate.js';
import { mlp } from '../../src/nn/mlp.js';
import { Network } from '../../src/nn/network.js';
import { adam } from '../../src/optim/alias.js';
import { createOptimizer, globalNormSquared, learningRateAt } from '../../src/optim/optimizer.js';
import type { RunController } from '../../src/pipeline/controller.js';
import { histogram } from '../../src/pipeline/histograms.js';
import type { TrainEvent } from '../../src/train/events.js';

/** Options of {@link trainingEvents}; every field has a small default. */
export interface TrainingRunOptions {
  readonly runId?: string;
  /** Training samples (the first n of MNIST's training set). Default 2000. */
  readonly trainSize?: number;
  /** Test samples evaluated after each epoch. Default 500. */
  readonly evalSize?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly hidden?: readonly number[];
  readonly lr?: number;
  readonly seed?: number;
  /** Steps run between two yields to the event loop. Default 4. */
  readonly stepsPerChunk?: number;
  /** Emit weight and gradient histograms every this many steps (0: never). Default 0. */
  readonly histogramEvery?: number;
  /** Sleep between chunks, to stretch a run that a browser must watch. Default 0 (setImmediate). */
  readonly chunkDelayMs?: number;
  readonly controller?: RunController;
}

let mnist: { train: Dataset; test: Dataset } | undefined;

/** MNIST, read once per process (tests call it up front so the 55 MB read is not timed). */
export function mnistData(): { train: Dataset; test: Dataset } {
  mnist ??= loadMnist();
  return mnist;
}

/**
 * Trains a small MLP with Adam on an MNIST subset when subscribed; unsubscribing stops it.
 * Emits start, step, eval (train and test, per epoch), epoch, histogram, paused/resumed/lr and end.
 */
export function trainingEvents(options: TrainingRunOptions = {}): Observable<TrainEvent> {
  return new Observable<TrainEvent>((subscriber) => {
    const { runId = 'run', epochs = 2, batchSize = 100, lr = 1e-3, seed = 1, controller } = options;
    const { stepsPerChunk = 4, histogramEvery = 0, chunkDelayMs = 0 } = options;
    const { train: allTrain, test: allTest } = mnistData();
    const train = subset(allTrain, 0, options.trainSize ?? 2000);
    const test = subset(allTest, 0, options.evalSize ?? 500);
    const model = mlp({ sizes: [784, ...(options.hidden ?? [50]), 10] });
    const optimizerSpec = adam({ lr });
    const network = Network.create(model, { capacity: batchSize, seed });
    network.initialize(seed);
    const optimizer = createOptimizer(optimizerSpec, { params: network.params, grads: network.grads });
    const perEpoch = batchCount(train.n, batchSize, false);
    const totalSteps = perEpoch * epochs;
    const order = new Uint32Array(train.n);
    const t0 = performance.now();
    const recent: number[] = [];
    let epoch = 0;
    let batch = 0;
    let lossSum = 0;
    let lrOverride: number | undefined;
    let closed = false;
    let cancel = () => {};
    const elapsed = () => performance.now() - t0;

    const emitHistograms = (step: number) => {
      for (const entry of network.layout.entries.filter((e) => e.role === 'weight')) {
        const range = [entry.offset, entry.offset + entry.length] as const;
        for (const [kind, source] of [
          ['weights', network.params],
          ['gradients', network.grads],
        ] as const) {
          const h = histogram(source.subarray(...range));
          subscriber.next({ type: 'histogram', step, layer: entry.name, kind, ...h });
        }
      }
    };

    const runStep = () => {
      if (batch === 0) epochOrder(train.n, seed, epoch, order);
      const start = batch * batchSize;
      const n = Math.min(batchSize, train.n - start);
      gatherBatch(train, order, start, n, network.input, network.labels);
      for (let i = 0; i < n; i++) network.sampleIds[i] = order[start + i];
      const step = optimizer.count + 1;
      const loss = network.lossAndGradient(n, step);
      if (histogramEvery > 0 && step % histogramEvery === 0) emitHistograms(step);
      // The optimizer overwrites the gradients with the update: measure them first.
      const gradNorm = Math.sqrt(globalNormSquared(network.grads));
      optimizer.step(lrOverride);
      lossSum += loss;
      recent.push(performance.now());
      if (recent.length > 10) recent.shift();
      const span = (recent[recent.length - 1] - recent[0]) / 1000;
      const samplesPerSecond = span > 0 ? ((recent.length - 1) * batchSize) / span : 0;
      const stepLr = learningRateAt(optimizerSpec, step, lrOverride);
      subscriber.next({
        type: 'step',
        step,
        epoch,
        loss,
        lr: stepLr,
        samples: n,
        samplesPerSecond,
        elapsedMs: elapsed(),
        skipped: false,
        gradNorm,
      });
      if (++batch === perEpoch) endEpoch(step);
    };

    const endEpoch = (step: number) => {
      for (const [split, data] of [
        ['train', train],
        ['test', test],
      ] as const) {
        const e = evaluate(network, data, 500);
        subscriber.next({ type: 'eval', step, epoch, split, loss: e.loss, accuracy: e.accuracy, n: e.n });
      }
      subscriber.next({ type: 'epoch', epoch, step, meanLoss: lossSum / perEpoch });
      epoch++;
      batch = 0;
      lossSum = 0;
    };

    const finish = (reason: 'completed' | 'stopped') => {
      subscriber.next({ type: 'end', step: optimizer.count, reason, elapsedMs: elapsed(), skippedSteps: 0 });
      subscriber.complete();
    };

    // One chunk of steps per event-loop turn, so sockets and timers run between chunks.
    const chunk = () => {
      if (closed) return;
      const state = controller?.state;
      if (state?.stopped) return finish('stopped');
      if (state?.paused) return waitForResume();
      if (state && state.lrOverride !== lrOverride) {
        lrOverride = state.lrOverride;
        subscriber.next({ type: 'lr', step: optimizer.count, lr: lrOverride });
      }
      for (let i = 0; i < stepsPerChunk && optimizer.count < totalSteps; i++) runStep();
      if (optimizer.count >= totalSteps) return finish('completed');
      schedule();
    };

    const waitForResume = () => {
      subscriber.next({ type: 'paused', step: optimizer.count });
      const sub = controller?.state$.subscribe((s) => {
        if (s.paused && !s.stopped) return;
        queueMicrotask(() => sub?.unsubscribe());
        if (!s.stopped) subscriber.next({ type: 'resumed', step: optimizer.count });
        schedule();
      });
      subscriber.add(() => sub?.unsubscribe());
    };

    const schedule = () => {
      if (chunkDelayMs > 0) {
        const t = setTimeout(chunk, chunkDelayMs);
        cancel = () => clearTimeout(t);
      } else {
        const t = setImmediate(chunk);
        cancel = () => clearImmediate(t);
      }
    };

    subscriber.next({
      type: 'start',
      runId,
      config: { model, optimizer: optimizerSpec, batchSize, epochs, trainSize: train.n },
      totalSteps,
      stepsPerEpoch: perEpoch,
      paramCount: network.params.length,
      time: Date.now(),
    });
    schedule();
    return () => {
      closed = true;
      cancel();
    };
  });
}
