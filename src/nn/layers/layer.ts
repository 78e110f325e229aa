// The contract every layer of a network keeps: declare its scratch memory, bind to it, then
// forward and backward over the first `n` rows of fixed-capacity buffers.

import type { Kernels } from '../../kernels/kernels.js';
import type { Arena, ArenaBuilder } from '../../tensor/arena.js';
import type { EntryDeclaration } from '../../tensor/layout.js';

/** Per-call facts a layer may need besides its input. */
export interface ForwardContext {
  /** Rows in this batch (≤ the capacity the network was built for). */
  readonly n: number;
  /** Training mode (batch statistics, dropout on) or inference. */
  readonly train: boolean;
  /** Update step, part of the dropout key so each step draws a fresh mask. */
  readonly step: number;
  /** Dataset index of each row, so a sample's dropout mask does not depend on how a batch was split. */
  readonly sampleIds?: ArrayLike<number> | undefined;
}

/** What a layer receives when bound: its memory and the kernels to run on it. */
export interface BindContext {
  readonly arena: Arena;
  readonly kernels: Kernels;
  /** Views of this layer's parameters by entry name (e.g. `layer1.W`). */
  readonly params: Readonly<Record<string, Float32Array>>;
  /** Views of the gradients, same names. */
  readonly grads: Readonly<Record<string, Float32Array>>;
  /** Views of non-trained state (batch-norm running statistics), by name. */
  readonly buffers: Readonly<Record<string, Float32Array>>;
  /**
   * When set, training passes write their batch statistics here (same names and layout as `buffers`)
   * instead of updating `buffers`, so that parallel micro-batches can be folded in a fixed order later.
   */
  readonly batchStats?: Readonly<Record<string, Float32Array>> | undefined;
  /** Prefix for this network's scratch region names, so several networks can share an arena. */
  readonly scope: string;
}

/** One layer. Buffers are sized for `capacity` rows at declaration and reused every call. */
export interface Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  /** Trained parameters this layer owns. */
  readonly params: readonly EntryDeclaration[];
  /** Non-trained state this layer owns (running averages). */
  readonly buffers: readonly EntryDeclaration[];
  /** Requests scratch regions (outputs, saved values, input gradients). */
  declare(builder: ArenaBuilder, capacity: number, scope: string): void;
  /** Takes views of its memory; called once. */
  bind(ctx: BindContext): void;
  /** Computes the output for the first `ctx.n` rows of `x`; returns the output buffer. */
  forward(x: Float32Array, ctx: ForwardContext): Float32Array;
  /**
   * Given dL/dy, writes parameter gradients and returns dL/dx. `needInputGrad` is false for
   * the first layer, whose input gradient nobody reads (it saves the largest product).
   */
  backward(dy: Float32Array, n: number, needInputGrad: boolean): Float32Array;
}
