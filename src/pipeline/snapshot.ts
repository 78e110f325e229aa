// In-memory copies of the state an update mutates (parameters, batch-norm buffers, optimizer slots),
// so a failed step can be rolled back and replayed from a consistent point.

import type { Arena } from '../tensor/arena.js';
import { type PipelinePlan, slotRegion } from './plan.js';

/** A restorable copy of the mutable training state. */
export class StateSnapshot {
  readonly #live: Float32Array[];
  readonly #saved: Float32Array[];
  /** Updates applied when the copy was taken. */
  updates = 0;
  /** Steps completed when the copy was taken. */
  steps = 0;

  constructor(arena: Arena, plan: PipelinePlan) {
    const names = ['params', 'buffers', ...plan.slotNames.map(slotRegion)];
    this.#live = names.map((name) => arena.f32(name));
    this.#saved = this.#live.map((view) => new Float32Array(view.length));
  }

  /** Copies the live state in (no allocation). */
  take(updates: number, steps: number): void {
    for (let i = 0; i < this.#live.length; i++) this.#saved[i].set(this.#live[i]);
    this.updates = updates;
    this.steps = steps;
  }

  /** Copies the saved state back into shared memory. */
  restore(): void {
    for (let i = 0; i < this.#live.length; i++) this.#live[i].set(this.#saved[i]);
  }
}
