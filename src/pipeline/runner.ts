// The seam between the stream stages and the threads: what the operators ask of whoever runs the
// work. The Piscina pool implements it; tests inject a fake to check the stream logic alone.

import type { ObservableInput } from 'rxjs';
import type { Evaluation } from '../nn/evaluate.js';
import type { StepDescriptor } from './batch-source.js';

export type { StepDescriptor } from './batch-source.js';

/**
 * How the pipeline may pace around a step, as the runner says. Sync chunks say it: their workers run
 * several steps without the main thread and come to rest only at a chunk's end. Absent (async mode,
 * a runner that works one step at a time): nothing runs ahead, and after its update the state rests.
 */
export interface StepFlow {
  /**
   * Steps after this one the workers will run before they stop (the pipeline may draw that many ahead
   * without waiting for a safe point). 0: they stop after this step, a boundary.
   */
  readonly ahead: number;
  /**
   * After the update only: nothing is in flight, and the shared state is this step's and stays so
   * until the next step is drawn: a safe point (checkpoints, histograms). Always false for gradients.
   */
  readonly atRest: boolean;
}

/** Gradients of one step are ready in shared memory: the "gradient batch" event. */
export interface GradientBatch {
  readonly step: StepDescriptor;
  /** Mean loss over the batch's rows. */
  readonly loss: number;
  /** Rows in the batch. */
  readonly samples: number;
  /** Micro-batch gradient slots that were filled. */
  readonly slots: number;
  /** Ring entry holding the gradients (async mode keeps several steps in flight). */
  readonly ring: number;
  /** The runner's pacing (see {@link StepFlow}); absent: one step at a time. */
  readonly flow?: StepFlow;
}

/** The optimizer stage's outcome for one step. */
export interface UpdateResult {
  readonly step: StepDescriptor;
  readonly loss: number;
  readonly samples: number;
  /** False when the step was dropped for a non-finite loss or gradient (policy `skip`). */
  readonly applied: boolean;
  /** Updates applied so far (Adam's t after this step). */
  readonly updates: number;
  /** Global L2 norm of the batch gradient. */
  readonly gradNorm: number;
  /** The learning-rate override this step used (undefined: the schedule's). */
  readonly lrOverride?: number | undefined;
  /** The runner's pacing (see {@link StepFlow}); absent: at rest, nothing ahead. */
  readonly flow?: StepFlow;
}

/** The flow of a step whose runner gave none: nothing ahead, at rest after the update. */
export const AT_REST: StepFlow = { ahead: 0, atRest: true };

/**
 * Runs the heavy work of a pipeline. Results are `ObservableInput`s: the pool returns promises,
 * while tests may return cold observables so that marble tests run in virtual time.
 */
export interface Runner {
  /** Computes one step's gradients (fans micro-batches out to the lanes). */
  computeGradients(step: StepDescriptor): ObservableInput<GradientBatch>;
  /** Reduces the gradient slots and applies the optimizer, sharded over the lanes. */
  applyUpdate(batch: GradientBatch): ObservableInput<UpdateResult>;
  /** Loss and accuracy on a named evaluation set, in inference mode. */
  evaluate(set: string): ObservableInput<Evaluation>;
  /** Ends in-flight work and releases the threads. */
  close(): Promise<void>;
  /** Sets the learning-rate override for steps that start from now on (undefined: the schedule). */
  setLearningRate?(lr: number | undefined): void;
  /**
   * After a failure: brings the shared state back to the state after `step` (`updates` applied), a
   * step the pipeline completed, and resolves once nothing is in flight. Resolves false when that
   * state cannot be had. Absent: the runner cannot (no failure checkpoint).
   */
  restoreTo?(step: number, updates: number): Promise<boolean>;
}
