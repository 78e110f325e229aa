// The seam between the stream stages and the threads: what the operators ask of whoever runs the
// work. The Piscina pool implements it; tests inject a fake to check the stream logic alone.

import type { ObservableInput } from 'rxjs';
import type { Evaluation } from '../nn/evaluate.js';
import type { StepRows } from './tasks.js';

/** A step as the batch source emits it. */
export interface StepDescriptor extends StepRows {
  /** The learning rate the controller set when the step was drawn (undefined: follow the schedule). */
  readonly lrOverride?: number | undefined;
  /** True for the last step of its epoch. */
  readonly endOfEpoch: boolean;
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
  /**
   * False when the workers will go straight on to the next steps once they are asked for (a sync
   * chunk continues): once this step is reported the pipeline draws up to `ahead` more without a safe
   * point. True (or absent) at chunk ends, where evaluations, histograms and checkpoints happen.
   */
  readonly boundary?: boolean;
  /**
   * Steps after this one the workers may run before the next boundary, capped at the plan's
   * lookahead: the pipeline may draw that many ahead. Absent: one when `boundary` is false.
   */
  readonly ahead?: number;
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
  /** The gradient batch's `boundary`: false mid-chunk. */
  readonly boundary?: boolean;
  /** The gradient batch's `ahead`. */
  readonly ahead?: number;
  /**
   * True (or absent) when no work is in flight after this step: the shared state is this step's and
   * stays so until the next step is drawn. Checkpoints and histograms happen only then.
   */
  readonly quiescent?: boolean;
}

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
}
