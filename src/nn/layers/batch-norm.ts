// Batch normalization (chapter 6.3; Ioffe & Szegedy 2015). Training normalizes with the batch's mean and
// biased variance and updates running averages (torch's convention: momentum 0.1, unbiased running
// variance); inference normalizes with the running averages.

import type { ArenaBuilder } from '../../tensor/arena.js';
import type { EntryDeclaration } from '../../tensor/layout.js';
import type { BindContext, ForwardContext, Layer } from './layer.js';

/** Batch-norm hyperparameters. */
export interface BatchNormOptions {
  /** Weight of the new batch in the running averages (torch's `momentum`). Default 0.1. */
  readonly momentum: number;
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps: number;
}

/** Batch normalization over `size` features. Parameters `<name>.gamma`, `<name>.beta`. */
export class BatchNorm implements Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly params: readonly EntryDeclaration[];
  readonly buffers: readonly EntryDeclaration[];
  readonly options: BatchNormOptions;
  #gamma!: Float32Array;
  #beta!: Float32Array;
  #dgamma!: Float32Array;
  #dbeta!: Float32Array;
  #runningMean!: Float32Array;
  #runningVar!: Float32Array;
  #statsMean: Float32Array | undefined; // deferred mode: where the batch mean goes
  #statsVar: Float32Array | undefined; // deferred mode: where the unbiased batch variance goes
  #mean!: Float32Array;
  #invStd!: Float32Array;
  #xhat!: Float32Array;
  #y!: Float32Array;
  #dx!: Float32Array;
  #trained = false; // mode of the last forward: batch statistics or running averages

  constructor(name: string, size: number, options: BatchNormOptions) {
    this.name = name;
    this.inputSize = size;
    this.outputSize = size;
    this.options = options;
    this.params = [
      { name: `${name}.gamma`, shape: [size], role: 'scale' },
      { name: `${name}.beta`, shape: [size], role: 'shift' },
    ];
    this.buffers = [
      { name: `${name}.runningMean`, shape: [size], role: 'shift' },
      { name: `${name}.runningVar`, shape: [size], role: 'scale' },
    ];
  }

  declare(builder: ArenaBuilder, capacity: number, scope: string): void {
    const d = this.outputSize;
    builder.f32(`${scope}${this.name}.mean`, d);
    builder.f32(`${scope}${this.name}.invStd`, d);
    builder.f32(`${scope}${this.name}.xhat`, capacity * d);
    builder.f32(`${scope}${this.name}.y`, capacity * d);
    builder.f32(`${scope}${this.name}.dx`, capacity * d);
  }

  bind(ctx: BindContext): void {
    const s = `${ctx.scope}${this.name}`;
    this.#gamma = ctx.params[`${this.name}.gamma`];
    this.#beta = ctx.params[`${this.name}.beta`];
    this.#dgamma = ctx.grads[`${this.name}.gamma`];
    this.#dbeta = ctx.grads[`${this.name}.beta`];
    this.#runningMean = ctx.buffers[`${this.name}.runningMean`];
    this.#runningVar = ctx.buffers[`${this.name}.runningVar`];
    this.#statsMean = ctx.batchStats?.[`${this.name}.runningMean`];
    this.#statsVar = ctx.batchStats?.[`${this.name}.runningVar`];
    this.#mean = ctx.arena.f32(`${s}.mean`);
    this.#invStd = ctx.arena.f32(`${s}.invStd`);
    this.#xhat = ctx.arena.f32(`${s}.xhat`);
    this.#y = ctx.arena.f32(`${s}.y`);
    this.#dx = ctx.arena.f32(`${s}.dx`);
  }

  forward(x: Float32Array, { n, train }: ForwardContext): Float32Array {
    this.#trained = train;
    if (train) this.#batchStatistics(x, n);
    else this.#runningStatistics();
    const d = this.outputSize;
    const mean = this.#mean;
    const invStd = this.#invStd;
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let j = 0; j < d; j++) {
        const xhat = (x[row + j] - mean[j]) * invStd[j];
        this.#xhat[row + j] = xhat;
        this.#y[row + j] = this.#gamma[j] * xhat + this.#beta[j];
      }
    }
    return this.#y;
  }

  /** Mean and biased variance of the batch (two passes for accuracy); updates the running averages. */
  #batchStatistics(x: Float32Array, n: number): void {
    const d = this.outputSize;
    const { momentum, eps } = this.options;
    const mean = this.#mean;
    const invStd = this.#invStd;
    mean.fill(0);
    invStd.fill(0); // holds Σ(x − μ)² until the last loop
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const c = x[i * d + j] - mean[j];
        invStd[j] += c * c;
      }
    }
    const unbias = n > 1 ? n / (n - 1) : 1;
    const statsMean = this.#statsMean;
    const statsVar = this.#statsVar;
    for (let j = 0; j < d; j++) {
      const variance = invStd[j] / n;
      if (statsMean && statsVar) {
        statsMean[j] = mean[j];
        statsVar[j] = variance * unbias;
      } else {
        this.#runningMean[j] = (1 - momentum) * this.#runningMean[j] + momentum * mean[j];
        this.#runningVar[j] = (1 - momentum) * this.#runningVar[j] + momentum * variance * unbias;
      }
      invStd[j] = 1 / Math.sqrt(variance + eps);
    }
  }

  #runningStatistics(): void {
    const { eps } = this.options;
    for (let j = 0; j < this.outputSize; j++) {
      this.#mean[j] = this.#runningMean[j];
      this.#invStd[j] = 1 / Math.sqrt(this.#runningVar[j] + eps);
    }
  }

  backward(dy: Float32Array, n: number): Float32Array {
    const d = this.outputSize;
    const dgamma = this.#dgamma;
    const dbeta = this.#dbeta;
    const xhat = this.#xhat;
    dgamma.fill(0);
    dbeta.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let j = 0; j < d; j++) {
        dbeta[j] += dy[row + j];
        dgamma[j] += dy[row + j] * xhat[row + j];
      }
    }
    if (!this.#trained) {
      // Running statistics are constants here, so the layer is affine: dx = γ/σ · dy.
      for (let i = 0; i < n * d; i++) this.#dx[i] = this.#gamma[i % d] * this.#invStd[i % d] * dy[i];
      return this.#dx;
    }
    // dx = γ/(n·σ) · (n·dy − Σdy − x̂·Σ(dy·x̂))
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let j = 0; j < d; j++) {
        const scale = (this.#gamma[j] * this.#invStd[j]) / n;
        this.#dx[row + j] = scale * (n * dy[row + j] - dbeta[j] - xhat[row + j] * dgamma[j]);
      }
    }
    return this.#dx;
  }
}

/**
 * Folds one micro-batch's statistics (written in deferred mode, same layout as the running buffers)
 * into the running averages: running ← (1 − momentum)·running + momentum·stats.
 */
export function commitBatchStats(running: Float32Array, stats: Float32Array, momentum: number): void {
  for (let i = 0; i < running.length; i++) running[i] = (1 - momentum) * running[i] + momentum * stats[i];
}
