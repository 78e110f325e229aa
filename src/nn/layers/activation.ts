// Elementwise activations: ReLU and Sigmoid, backward written with the saved forward output.

import type { Kernels } from '../../kernels/kernels.js';
import type { ArenaBuilder } from '../../tensor/arena.js';
import type { BindContext, ForwardContext, Layer } from './layer.js';

/** The activation functions a network may use. */
export type ActivationName = 'relu' | 'sigmoid';

/** Allowed activation names, for validation messages. */
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'sigmoid'];

/** ReLU (y = max(x, 0)) or Sigmoid (y = 1/(1+e^−x)) over `size` units. */
export class Activation implements Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly params = [];
  readonly buffers = [];
  readonly kind: ActivationName;
  #k!: Kernels;
  #y!: Float32Array;
  #dx!: Float32Array;

  constructor(name: string, kind: ActivationName, size: number) {
    this.name = name;
    this.kind = kind;
    this.inputSize = size;
    this.outputSize = size;
  }

  declare(builder: ArenaBuilder, capacity: number, scope: string): void {
    builder.f32(`${scope}${this.name}.y`, capacity * this.outputSize);
    builder.f32(`${scope}${this.name}.dx`, capacity * this.inputSize);
  }

  bind(ctx: BindContext): void {
    this.#k = ctx.kernels;
    this.#y = ctx.arena.f32(`${ctx.scope}${this.name}.y`);
    this.#dx = ctx.arena.f32(`${ctx.scope}${this.name}.dx`);
  }

  forward(x: Float32Array, { n }: ForwardContext): Float32Array {
    const len = n * this.outputSize;
    if (this.kind === 'relu') this.#k.reluForward(x, this.#y, len);
    else this.#k.sigmoidForward(x, this.#y, len);
    return this.#y;
  }

  backward(dy: Float32Array, n: number): Float32Array {
    const len = n * this.outputSize;
    if (this.kind === 'relu') this.#k.reluBackward(dy, this.#y, this.#dx, len);
    else this.#k.sigmoidBackward(dy, this.#y, this.#dx, len);
    return this.#dx;
  }
}
