// A run's state in its two forms: the `ResumeState` a pipeline continues from, and the `Checkpoint`
// that carries it to a file, another machine or a queue. `toCheckpoint` and `toResumeState` convert
// between them; `checkCheckpoint` validates every field of a checkpoint however it arrived (the file
// decoder calls it on every load, so a hand-edited header is refused even with a recomputed checksum).

import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { modelFromConfig, optimizerSpecFromConfig } from '../config/build.js';
import type { RunConfig } from '../config/schema.js';
import { validateConfig } from '../config/validate.js';
import { type Preprocessing, scalePreprocessing } from '../data/preprocessing.js';
import { preprocessingProblems } from '../data/preprocessing-check.js';
import { describeValue, GradstreamError } from '../errors.js';
import { type MlpSpec, mlp, mlpLayouts } from '../nn/mlp.js';
import { optimizerSlotNames } from '../optim/optimizer.js';
import type { ResumeState } from '../pipeline/train-config.js';
import { Rng } from '../random/rng.js';

/** Where the data loader stands after `step` (the pipeline recomputes it from the step; stored to be checked). */
export interface DataCursor {
  /** The epoch of the next step. */
  readonly epoch: number;
  /** Samples of that epoch already consumed. */
  readonly position: number;
  /**
   * Steps per epoch of the run's schedule, ceil(training samples / batchSize): with the config's
   * `batchSize` and `steps`/`epochs` it fixes the cursor of every step, which is how the cursor is
   * checked against `step` on load. A checkpoint written before it was stored gets the smallest
   * epoch length its cursor fits (and is refused when none does).
   */
  readonly stepsPerEpoch: number;
}

/** The running loss of the epoch in progress (the pipeline's `EpochLoss`, as stored). */
export interface StoredEpochLoss {
  /** Sum of the applied steps' losses so far in the epoch. */
  readonly sum: number;
  /** How many applied steps that sum holds. */
  readonly steps: number;
}

/** Everything needed to continue a run exactly where it stopped: a `ResumeState` and what it needs around it. */
export interface Checkpoint {
  /** Training steps taken. */
  readonly step: number;
  /** Optimizer updates applied (skipped steps excluded): Adam's bias-correction t, and the schedule's count. */
  readonly updates: number;
  /** The running loss of the epoch in progress, so the resumed epoch reports the same mean. */
  readonly epochLoss: StoredEpochLoss;
  /** The run this state belongs to; `toResumeState` refuses to continue another run with it. */
  readonly runId: string;
  readonly cursor: DataCursor;
  readonly model: MlpSpec;
  /** The run's resolved config. Its `seed` is the whole random state (every draw is a pure function of it). */
  readonly config: RunConfig;
  readonly params: Float32Array;
  /** Non-trained buffers: batch-norm running means and variances. */
  readonly buffers: Float32Array;
  /** Every optimizer slot by name (e.g. `scaleByAdam.mu`), each as long as `params`. */
  readonly slots: Readonly<Record<string, Float32Array>>;
  /**
   * The fitted input encoding and output meaning (CSV scalers and vocabularies); absent in
   * checkpoints of IDX runs written before it was stored: see `checkpointPreprocessing`.
   */
  readonly preprocessing?: Preprocessing;
}

/**
 * A checkpoint's preprocessing: the stored one, else (IDX runs, older checkpoints) the pixel scale
 * 1/255 over the model's inputs and one class per output.
 */
export function checkpointPreprocessing(c: Pick<Checkpoint, 'preprocessing' | 'model'>): Preprocessing {
  return c.preprocessing ?? scalePreprocessing(c.model.sizes[0], 1 / 255, c.model.sizes.at(-1) ?? 0);
}

/** A checkpoint's float arrays. */
export type CheckpointArrays = Pick<Checkpoint, 'params' | 'buffers' | 'slots'>;

/** What a checkpoint adds to a `ResumeState`. */
export interface CheckpointMeta {
  readonly runId: string;
  readonly model: MlpSpec;
  readonly config: RunConfig;
  /** From the safe point (`epoch`, `position`) and the session's schedule (`stepsPerEpoch`). */
  readonly cursor: DataCursor;
  /** The run's fitted preprocessing (CSV runs; IDX runs leave it to `checkpointPreprocessing`). */
  readonly preprocessing?: Preprocessing;
}

/** A checkpoint error naming where the checkpoint came from (a path, or e.g. `(encode)`) and the problem. */
export function checkpointError(source: string, problem: string): GradstreamError {
  return new GradstreamError('ERR_CHECKPOINT', `checkpoint ${source}: ${problem}`, {
    cause: { source, problem },
  });
}

/** Steps live in Int32 shared counters (Atomics), so a step beyond this cannot be resumed. */
export const MAX_STEP = 2 ** 31 - 1;
const INT32_NOTE = ' (steps are kept in Int32 shared counters)';

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field whose failure reads `must be <allowed>, got <value>[<note>]`. */
function field<T>(allowed: string, ok: (v: unknown) => boolean, note = '') {
  return z.custom<T>(ok, { error: (i) => `must be ${allowed}, got ${describeValue(i.input)}${note}` });
}
const integer = (min: number, max: number, note = '') =>
  field<number>(
    `an integer in [${min}, ${max}]`,
    (v) => isNumber(v) && Number.isInteger(v) && v >= min && v <= max,
    note,
  );
const finite = () => field<number>('a finite number', isNumber);
const count = () => integer(0, MAX_STEP);
/** At most `step` (checked once `step` is known): `updates`, `epochLoss.steps`. */
const upToStep = () =>
  field<number>(
    'an integer in [0, step]',
    (v) => isNumber(v) && Number.isInteger(v) && v >= 0 && v <= MAX_STEP,
  );
const object = <S extends z.core.$ZodLooseShape>(shape: S, allowed: string) =>
  z.strictObject(shape, { error: (i) => `must be ${allowed}, got ${describeValue(i.input)}` });

const epochLossSchema = object({ sum: finite(), steps: upToStep() }, 'an object { sum, steps }');
const common = {
  step: integer(0, MAX_STEP, INT32_NOTE),
  updates: upToStep(),
  model: field<Record<string, unknown>>('an MLP spec object', isObject),
  config: field<Record<string, unknown>>('a run config object', isObject),
};

/** The header as this version writes it. */
const headerSchema = z.strictObject({
  ...common,
  epochLoss: epochLossSchema,
  runId: field<string>('a non-empty string', (v) => typeof v === 'string' && v.length > 0),
  cursor: object(
    { epoch: count(), position: count(), stepsPerEpoch: integer(1, MAX_STEP) },
    'an object { epoch, position, stepsPerEpoch }',
  ),
  // Checked field by field by preprocessingProblems once the model is known.
  preprocessing: field<Record<string, unknown>>('a preprocessing object', isObject).optional(),
});

/**
 * The header as written before the typed pair (same format version): `rng`, `scheduleCount` and
 * `cursor.seed` are read only to be checked (they are always the seed's stream, `updates` and
 * `config.seed`), `extra.runId` and `extra.epochLoss` become `runId` and `epochLoss`.
 */
const legacyHeaderSchema = z.strictObject({
  ...common,
  scheduleCount: count(),
  rng: object(
    { key: integer(-(2 ** 31), 2 ** 32 - 1), counter: integer(0, Number.MAX_SAFE_INTEGER) },
    'an object { key, counter }',
  ),
  cursor: object(
    { epoch: count(), position: count(), seed: field<number>('an integer', Number.isSafeInteger) },
    'an object { epoch, position, seed }',
  ),
  extra: object(
    {
      runId: field<string>('a non-empty string', (v) => typeof v === 'string' && v.length > 0),
      epochLoss: epochLossSchema,
    },
    'an object { runId, epochLoss }',
  ),
});

const LEGACY_FIELDS = ['rng', 'scheduleCount', 'extra'];

function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** One line per zod issue: `header field "cursor.epoch" must be …, got …`. */
function issueLines(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map(
        (key) => `header field "${formatPath([...issue.path, key])}" is not one this gradstream reads`,
      );
    const name = `header field "${formatPath(issue.path)}"`;
    if (issue.input === undefined && issue.path.length > 0) return [`${name} is missing`];
    return [`${name} ${issue.message}`];
  });
}

/** The epoch and position the pipeline reports after `step` (its safe point's cursor). */
export function cursorAt(
  step: number,
  schedule: { readonly stepsPerEpoch: number; readonly batchSize: number; readonly totalSteps: number },
): { epoch: number; position: number } {
  if (step === 0) return { epoch: 0, position: 0 };
  const into = step % schedule.stepsPerEpoch;
  // A run's last step ends its epoch even when the epoch is not complete (a `steps` run).
  if (into === 0 || step === schedule.totalSteps)
    return { epoch: Math.floor((step - 1) / schedule.stepsPerEpoch) + 1, position: 0 };
  return { epoch: Math.floor(step / schedule.stepsPerEpoch), position: into * schedule.batchSize };
}

/** The schedule a config gives with `stepsPerEpoch` steps per epoch (as the CLI builds it). */
function scheduleOf(config: RunConfig, stepsPerEpoch: number) {
  return {
    stepsPerEpoch,
    batchSize: config.batchSize,
    totalSteps: config.steps ?? config.epochs * stepsPerEpoch,
  };
}

/**
 * A legacy cursor has no epoch length: the smallest one it fits, or undefined when none does. The
 * smallest fitting length is one of these candidates (mid-epoch, at an epoch's end, at a `steps`
 * run's last step, in epoch 0).
 */
function legacyEpochLength(step: number, epoch: number, position: number, config: RunConfig) {
  const k = position / config.batchSize;
  const candidates = [(step - k) / epoch, step / epoch, Math.floor((step - 1) / epoch) + 1, step + 1];
  return candidates
    .filter((spe) => Number.isInteger(spe) && spe >= 1)
    .sort((a, b) => a - b)
    .find((spe) => {
      const at = cursorAt(step, scheduleOf(config, spe));
      return at.epoch === epoch && at.position === position;
    });
}

function mustBe(name: string, allowed: string, value: unknown): string {
  return `header field "${name}" must be ${allowed}, got ${describeValue(value)}`;
}

function checkModel(model: Record<string, unknown>): MlpSpec | string {
  if (model.kind !== 'mlp') return mustBe('model.kind', '"mlp"', model.kind);
  let spec: MlpSpec;
  try {
    spec = mlp(model as unknown as MlpSpec);
  } catch (error) {
    if (!(error instanceof GradstreamError)) throw error;
    return `header field "model" is not a valid MLP spec: ${error.message}`;
  }
  // mlp() fills and normalises: a stored spec is already normal, so anything it changes was edited.
  if (!isDeepStrictEqual(spec, { ...model }))
    return mustBe('model', 'an MLP spec as mlp() returns it', model);
  return spec;
}

/** The model must be the one `config.model` describes for its input and class counts. */
function modelProblems(model: MlpSpec, config: RunConfig): string[] {
  let described: MlpSpec;
  try {
    described = modelFromConfig(config.model, {
      inputSize: model.sizes[0],
      classes: model.sizes.at(-1) ?? 0,
      regression: model.loss === 'mse',
    });
  } catch (error) {
    if (!(error instanceof GradstreamError)) throw error;
    return [`header field "config.model" does not describe the model: ${error.message}`];
  }
  return (Object.keys(described) as (keyof MlpSpec)[])
    .filter((key) => !isDeepStrictEqual(described[key], model[key]))
    .map((key) =>
      mustBe(`model.${key}`, `${describeValue(described[key])} (as config.model describes it)`, model[key]),
    );
}

function checkArrays(arrays: CheckpointArrays, model: MlpSpec, config: RunConfig, problems: string[]): void {
  const layouts = mlpLayouts(model);
  const shape = model.sizes.join('-');
  const sized = (name: string, a: unknown, n: number, what: string) => {
    if (!(a instanceof Float32Array)) problems.push(`array "${name}" must be a Float32Array`);
    else if (a.length !== n)
      problems.push(`array "${name}" must have ${n} values (${what}), got ${a.length}`);
  };
  sized('params', arrays.params, layouts.params.size, `the parameter count of the model ${shape}`);
  sized('buffers', arrays.buffers, layouts.buffers.size, `the buffer count of the model ${shape}`);
  const expected = [...optimizerSlotNames(optimizerSpecFromConfig(config.optimizer))].sort();
  const names = Object.keys(arrays.slots).sort();
  if (!isDeepStrictEqual(names, expected)) {
    problems.push(
      `the optimizer slots must be ${JSON.stringify(expected.join(', '))} (config.optimizer's), got ${JSON.stringify(names.join(', '))}`,
    );
  }
  for (const name of names)
    sized(`slot/${name}`, arrays.slots[name], layouts.params.size, 'one per parameter');
}

/**
 * Validates a checkpoint's header fields and arrays, and returns the typed checkpoint. Accepts the
 * header as written before the typed pair too (with `rng`, `scheduleCount`, `extra`), checking its
 * extra fields and mapping `extra` to `runId` and `epochLoss`.
 *
 * Checked: types and ranges of every field (`step` an integer in [0, 2³¹ − 1], `updates` in
 * [0, step], `epochLoss` finite with `steps` in [0, step], …), no unknown field, the config valid,
 * the model valid and the one `config.model` describes, the cursor the one `step` has under the
 * config, the arrays as long as the model's layout, the slots those of the config's optimizer.
 *
 * @param header - the header's fields (without the arrays).
 * @param source - names the checkpoint in messages (its path).
 * @throws GradstreamError `ERR_CHECKPOINT` listing every problem, e.g.
 *   `checkpoint runs/x/ckpt-0000000100.gsc: header field "step" must be an integer in [0, 2147483647], got 1000000000000 (steps are kept in Int32 shared counters)`.
 */
export function checkCheckpoint(header: unknown, arrays: CheckpointArrays, source: string): Checkpoint {
  const fail = (problems: readonly string[]): never => {
    throw checkpointError(source, problems.join('; '));
  };
  if (!isObject(header)) return fail(['the header is not an object']);
  const legacy = LEGACY_FIELDS.some((key) => key in header);
  const parsed = (legacy ? legacyHeaderSchema : headerSchema).safeParse(header, { reportInput: true });
  if (!parsed.success) return fail(issueLines(parsed.error.issues));
  const h = parsed.data;

  const problems: string[] = [];
  const result = validateConfig(h.config, { checkFiles: false });
  if (!result.ok)
    return fail([`header field "config" is not a valid run config: ${result.problems.join('; ')}`]);
  const config = result.config;
  const model = checkModel(h.model);
  if (typeof model === 'string') return fail([model]);

  problems.push(...modelProblems(model, config));
  const preprocessing = 'preprocessing' in h ? h.preprocessing : undefined;
  if (preprocessing !== undefined)
    problems.push(
      ...preprocessingProblems(preprocessing, 'preprocessing', model.sizes).map((p) => `header field ${p}`),
    );
  const [runId, epochLoss] = 'extra' in h ? [h.extra.runId, h.extra.epochLoss] : [h.runId, h.epochLoss];
  if (h.updates > h.step)
    problems.push(mustBe('updates', `an integer in [0, step] = [0, ${h.step}]`, h.updates));
  const lossField = legacy ? 'extra.epochLoss.steps' : 'epochLoss.steps';
  if (epochLoss.steps > h.step)
    problems.push(mustBe(lossField, `an integer in [0, step] = [0, ${h.step}]`, epochLoss.steps));

  const { epoch, position } = h.cursor;
  let stepsPerEpoch = 1;
  if ('stepsPerEpoch' in h.cursor) {
    stepsPerEpoch = h.cursor.stepsPerEpoch;
    const schedule = scheduleOf(config, stepsPerEpoch);
    const at = cursorAt(h.step, schedule);
    if (at.epoch !== epoch || at.position !== position) {
      problems.push(
        mustBe(
          'cursor',
          `${JSON.stringify({ ...at, stepsPerEpoch })} (step ${h.step} with batchSize ${schedule.batchSize}, ${schedule.totalSteps} steps in all)`,
          h.cursor,
        ),
      );
    }
  } else {
    const fits = legacyEpochLength(h.step, epoch, position, config);
    if (fits === undefined)
      problems.push(
        mustBe('cursor', `the epoch and position of step ${h.step} for some epoch length`, h.cursor),
      );
    else stepsPerEpoch = fits;
  }
  // The fields written before the typed pair: each is a function of the others, so it is checked.
  if ('extra' in h) {
    if (h.cursor.seed !== config.seed)
      problems.push(mustBe('cursor.seed', `config.seed (${config.seed})`, h.cursor.seed));
    if (h.scheduleCount !== h.updates)
      problems.push(mustBe('scheduleCount', `updates (${h.updates})`, h.scheduleCount));
    const rng = new Rng(config.seed).state();
    if (h.rng.key >>> 0 !== rng.key >>> 0 || h.rng.counter !== rng.counter)
      problems.push(mustBe('rng', `the state of the seed's stream ${JSON.stringify(rng)}`, h.rng));
  }
  checkArrays(arrays, model, config, problems);
  if (problems.length > 0) fail(problems);
  return {
    step: h.step,
    updates: h.updates,
    epochLoss: { sum: epochLoss.sum, steps: epochLoss.steps },
    runId,
    cursor: { epoch, position, stepsPerEpoch },
    model,
    config,
    params: arrays.params,
    buffers: arrays.buffers,
    slots: arrays.slots,
    ...(preprocessing === undefined ? {} : { preprocessing: preprocessing as unknown as Preprocessing }),
  };
}

/** {@link checkCheckpoint} on a checkpoint object (from memory, a queue, another machine). */
export function validateCheckpoint(checkpoint: Checkpoint, source = '(in memory)'): Checkpoint {
  const { params, buffers, slots, ...header } = checkpoint;
  return checkCheckpoint(header, { params, buffers, slots }, source);
}

/**
 * A resume state and what a checkpoint adds → a checkpoint, validated as a load would (a checkpoint
 * that could not be resumed is never produced). Nothing is copied: `captureResumeState` already copied.
 *
 * What is not stored: the random state (every draw — init, split, shuffle, dropout — is a pure
 * function of `config.seed` and the step, epoch and sample, so the seed is the whole state) and the
 * schedule's count (always `updates`).
 *
 * @throws GradstreamError `ERR_CHECKPOINT` when the state and meta do not make a valid checkpoint.
 */
export function toCheckpoint(state: ResumeState, meta: CheckpointMeta): Checkpoint {
  return validateCheckpoint(
    {
      step: state.step,
      updates: state.updates,
      epochLoss: { ...state.epochLoss },
      runId: meta.runId,
      cursor: {
        epoch: meta.cursor.epoch,
        position: meta.cursor.position,
        stepsPerEpoch: meta.cursor.stepsPerEpoch,
      },
      model: meta.model,
      config: meta.config,
      ...(meta.preprocessing === undefined ? {} : { preprocessing: meta.preprocessing }),
      params: state.params,
      buffers: state.buffers,
      slots: state.slots,
    },
    '(new)',
  );
}

/** What the resuming side knows. */
export interface ResumeExpectation {
  /** The run being continued: a checkpoint of another run is refused. */
  readonly runId: string;
  /** Names the checkpoint in messages (its path). */
  readonly source?: string;
}

/**
 * A checkpoint → the state its run continues from. Every field is read: the ones a `ResumeState`
 * holds are returned; `runId` must be the run's; `cursor`, `model` and `config` are checked against
 * the step and the arrays (and the caller checks `model` and `config` against the resuming config
 * with `checkCompatible`).
 *
 * @throws GradstreamError `ERR_CHECKPOINT` naming the field, e.g.
 *   `checkpoint runs/x/…: header field "runId" must be "20260301-…" (the run being resumed), got "…"`.
 */
export function toResumeState(checkpoint: Checkpoint, expect: ResumeExpectation): ResumeState {
  const source = expect.source ?? '(in memory)';
  // Destructured whole, so a field added to Checkpoint fails to compile here until it is read.
  const {
    step,
    updates,
    epochLoss,
    runId,
    cursor,
    model,
    config,
    params,
    buffers,
    slots,
    preprocessing,
    ...unread
  } = validateCheckpoint(checkpoint, source);
  const none: Record<string, never> = unread;
  // Checked by validateCheckpoint; the resumed run fits its preprocessing again from the same data.
  void [none, cursor, model, config, preprocessing];
  if (runId !== expect.runId)
    throw checkpointError(
      source,
      mustBe('runId', `${JSON.stringify(expect.runId)} (the run being resumed)`, runId),
    );
  return { step, updates, params, buffers, slots, epochLoss: { sum: epochLoss.sum, steps: epochLoss.steps } };
}
