// Dropout (chapter 6.4.3), inverted: in training each unit is kept with probability 1−p and scaled
// by 1/(1−p), so inference is the identity. The mask is a pure function of (seed, step, sample, unit).

import { uniformAt } from '../../random/rng.js';
import type { ArenaBuilder } from '../../tensor/arena.js';
import type { BindContext, ForwardContext, Layer } from './layer.js';

/** Dropout with drop probability `p` over `size` units; `key` seeds its masks. */
export class Dropout implements Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly params = [];
  readonly buffers = [];
  readonly p: number;
  readonly key: number;
  #mask!: Float32Array; // 0 or 1/(1−p) per element of the last training forward
  #y!: Float32Array;
  #dx!: Float32Array;
  #trained = false;

  constructor(name: string, size: number, p: number, key: number) {
    this.name = name;
    this.inputSize = size;
    this.outputSize = size;
    this.p = p;
    this.key = key;
  }

  declare(builder: ArenaBuilder, capacity: number, scope: string): void {
    builder.f32(`${scope}${this.name}.mask`, capacity * this.outputSize);
    builder.f32(`${scope}${this.name}.y`, capacity * this.outputSize);
    builder.f32(`${scope}${this.name}.dx`, capacity * this.inputSize);
  }

  bind(ctx: BindContext): void {
    this.#mask = ctx.arena.f32(`${ctx.scope}${this.name}.mask`);
    this.#y = ctx.arena.f32(`${ctx.scope}${this.name}.y`);
    this.#dx = ctx.arena.f32(`${ctx.scope}${this.name}.dx`);
  }

  forward(x: Float32Array, { n, train, step, sampleIds }: ForwardContext): Float32Array {
    this.#trained = train;
    if (!train || this.p === 0) return x;
    const d = this.outputSize;
    const keep = 1 / (1 - this.p);
    for (let i = 0; i < n; i++) {
      const sample = sampleIds ? sampleIds[i] : i;
      const row = i * d;
      for (let j = 0; j < d; j++) {
        const m = uniformAt(this.key, step, sample, j) >= this.p ? keep : 0;
        this.#mask[row + j] = m;
        this.#y[row + j] = x[row + j] * m;
      }
    }
    return this.#y;
  }

  backward(dy: Float32Array, n: number): Float32Array {
    if (!this.#trained || this.p === 0) return dy;
    const len = n * this.outputSize;
    for (let i = 0; i < len; i++) this.#dx[i] = dy[i] * this.#mask[i];
    return this.#dx;
  }
}
