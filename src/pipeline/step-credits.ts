// Pacing: the credits that let the batch source draw steps. Each credit is one step; the pipeline
// releases one when a step is done (a pulled source: nothing piles up), draws ahead when the runner
// says its workers run on (sync chunks' `flow.ahead`), and holds credits back while paused.

import { BehaviorSubject, type Observable, type OperatorFunction, tap } from 'rxjs';
import type { RunController } from './controller.js';
import type { GradientBatch } from './runner.js';

/** The credits of one run. */
export class StepCredits {
  readonly #credits: BehaviorSubject<number>;
  readonly #controller: RunController;
  /** Credits held back while paused. */
  #owed = 0;
  /** The last step the source emitted. */
  #drawn: number;

  /** `initial` steps may be drawn at once; `drawn` steps were drawn already (a resumed run's start). */
  constructor(controller: RunController, initial: number, drawn: number) {
    this.#controller = controller;
    this.#credits = new BehaviorSubject(initial);
    this.#drawn = drawn;
  }

  /** What the batch source reads. */
  get credits$(): Observable<number> {
    return this.#credits;
  }

  /** Credits held back while paused (tests). */
  get owed(): number {
    return this.#owed;
  }

  /** The batch source emitted `step`. */
  noteDrawn(step: number): void {
    this.#drawn = step;
  }

  /** `n` more steps may be drawn — or, while paused, once the run resumes. */
  release(n = 1): void {
    if (this.#controller.state.paused) this.#owed += n;
    else this.#credits.next(n);
  }

  /** Draws steps up to `target` (credits owed while paused count as drawn). */
  drawUpTo(target: number): void {
    if (target > this.#drawn + this.#owed) this.release(target - this.#drawn - this.#owed);
  }

  /** The run resumed: hand over the credits held back. */
  payOwed(): void {
    if (this.#controller.state.paused || this.#owed === 0) return;
    const n = this.#owed;
    this.#owed = 0;
    this.#credits.next(n);
  }

  complete(): void {
    this.#credits.complete();
  }
}

/**
 * Mid-chunk, the workers go straight on to the next step: draw it as soon as this one's gradients are
 * in, so they do not wait for it (the update stage waits for a chunk end otherwise).
 */
export function drawAheadOnGradients(credits: StepCredits): OperatorFunction<GradientBatch, GradientBatch> {
  return tap((batch) => {
    if ((batch.flow?.ahead ?? 0) > 0) credits.drawUpTo(batch.step.step + 1);
  });
}
