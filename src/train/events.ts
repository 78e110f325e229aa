// The events a training run emits: the one vocabulary shared by the pipeline, the console,
// the run store and the dashboard. Plain data only (they cross threads and sockets).

/** The run started: what it will do. */
export interface StartEvent {
  readonly type: 'start';
  readonly runId: string;
  /** The full, resolved configuration (plain JSON). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly paramCount: number;
  /** Milliseconds since the Unix epoch. */
  readonly time: number;
}

/** One optimizer step was applied (or skipped, see `skipped`). */
export interface StepEvent {
  readonly type: 'step';
  readonly step: number;
  readonly epoch: number;
  /** Mean training loss of the batch (cross-entropy plus the L2 term when weight decay is on). */
  readonly loss: number;
  /** Learning rate this step used (undefined when the optimizer has none). */
  readonly lr: number | undefined;
  /** Samples in the batch. */
  readonly samples: number;
  /** Training throughput over the last few steps. */
  readonly samplesPerSecond: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  /** True when a non-finite loss or gradient made the step be dropped (policy `skip`). */
  readonly skipped: boolean;
  /** Global L2 norm of the batch gradient (before clipping). */
  readonly gradNorm: number;
}

/** An evaluation in inference mode. */
export interface EvalEvent {
  readonly type: 'eval';
  readonly step: number;
  readonly epoch: number;
  readonly split: 'train' | 'validation' | 'test';
  /** Mean data loss: cross-entropy, or for regression the mean squared error. */
  readonly loss: number;
  /** Share of correct argmax predictions; NaN for a regression model (it has `rmse` and `mae`). */
  readonly accuracy: number;
  /** Regression only: root mean squared error over every sample × output. */
  readonly rmse?: number;
  /** Regression only: mean absolute error over every sample × output. */
  readonly mae?: number;
  readonly n: number;
}

/** An epoch ended. */
export interface EpochEvent {
  readonly type: 'epoch';
  readonly epoch: number;
  readonly step: number;
  readonly meanLoss: number;
}

/** A histogram of one layer's weights, gradients or activations (the book's distribution pictures). */
export interface HistogramEvent {
  readonly type: 'histogram';
  readonly step: number;
  readonly layer: string;
  readonly kind: 'weights' | 'gradients' | 'activations';
  /** Bin edges: `counts.length + 1` values. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** The run was paused or resumed by its controller. */
export interface ControlEvent {
  readonly type: 'paused' | 'resumed' | 'lr';
  readonly step: number;
  /** For `lr`: the new learning rate override. */
  readonly lr?: number;
}

/** The run ended; `reason` says why. */
export interface EndEvent {
  readonly type: 'end';
  readonly step: number;
  readonly reason: 'completed' | 'stopped';
  readonly elapsedMs: number;
  readonly skippedSteps: number;
}

/** Everything a run emits. */
export type TrainEvent =
  | StartEvent
  | StepEvent
  | EvalEvent
  | EpochEvent
  | HistogramEvent
  | ControlEvent
  | EndEvent;
