// Affine (fully connected) layer: y = x·W + b, with W stored in×out as in the book.

import type { Kernels } from '../../kernels/kernels.js';
import type { ArenaBuilder } from '../../tensor/arena.js';
import type { EntryDeclaration } from '../../tensor/layout.js';
import type { BindContext, ForwardContext, Layer } from './layer.js';

/** A fully connected layer. Parameters `<name>.W` (in×out) and `<name>.b` (out). */
export class Affine implements Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly params: readonly EntryDeclaration[];
  readonly buffers: readonly EntryDeclaration[] = [];
  #k!: Kernels;
  #W!: Float32Array;
  #b!: Float32Array;
  #dW!: Float32Array;
  #db!: Float32Array;
  #y!: Float32Array;
  #dx!: Float32Array;
  #x: Float32Array | null = null; // the last forward input, read by backward
  /**
   * Set when the input is mostly zeros (the network's input, for data like MNIST): the products with
   * x then skip its zeros (`matmulSparseA`, `matmulTransASparseA`) instead of multiplying them.
   */
  sparseInput = false;

  constructor(name: string, inputSize: number, outputSize: number) {
    this.name = name;
    this.inputSize = inputSize;
    this.outputSize = outputSize;
    this.params = [
      { name: `${name}.W`, shape: [inputSize, outputSize], role: 'weight' },
      { name: `${name}.b`, shape: [outputSize], role: 'bias' },
    ];
  }

  declare(builder: ArenaBuilder, capacity: number, scope: string): void {
    builder.f32(`${scope}${this.name}.y`, capacity * this.outputSize);
    builder.f32(`${scope}${this.name}.dx`, capacity * this.inputSize);
  }

  bind(ctx: BindContext): void {
    this.#k = ctx.kernels;
    this.#W = ctx.params[`${this.name}.W`];
    this.#b = ctx.params[`${this.name}.b`];
    this.#dW = ctx.grads[`${this.name}.W`];
    this.#db = ctx.grads[`${this.name}.b`];
    this.#y = ctx.arena.f32(`${ctx.scope}${this.name}.y`);
    this.#dx = ctx.arena.f32(`${ctx.scope}${this.name}.dx`);
  }

  forward(x: Float32Array, { n }: ForwardContext): Float32Array {
    this.#x = x;
    if (this.sparseInput) this.#k.matmulSparseA(x, this.#W, this.#y, n, this.inputSize, this.outputSize);
    else this.#k.matmul(x, this.#W, this.#y, n, this.inputSize, this.outputSize);
    this.#k.addRowVector(this.#y, this.#b, n, this.outputSize);
    return this.#y;
  }

  backward(dy: Float32Array, n: number, needInputGrad: boolean): Float32Array {
    const x = this.#x;
    if (!x) throw new Error(`${this.name}: backward called before forward`);
    // dW = xᵀ·dy, db = Σ rows of dy, dx = dy·Wᵀ
    if (this.sparseInput) this.#k.matmulTransASparseA(x, dy, this.#dW, this.inputSize, n, this.outputSize);
    else this.#k.matmulTransA(x, dy, this.#dW, this.inputSize, n, this.outputSize);
    this.#k.sumRows(dy, this.#db, n, this.outputSize);
    if (needInputGrad) this.#k.matmulTransB(dy, this.#W, this.#dx, n, this.outputSize, this.inputSize);
    return this.#dx;
  }
}
