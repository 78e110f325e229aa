// Checkpoints with recognisable contents for the checkpoint tests (and their child process), one in
// the shape written before the typed pair, and a helper that edits a checkpoint file's header or
// payload and recomputes its SHA-256 (a hand edit the checksum alone cannot catch).

import { createHash } from 'node:crypto';
import { buildRun } from '../../src/config/build.js';
import type { RunConfig } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/validate.js';
import { mlpLayouts } from '../../src/nn/mlp.js';
import { optimizerSlotNames } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/random/rng.js';
import { encodeCheckpoint } from '../../src/store/checkpoint-format.js';
import { type Checkpoint, cursorAt } from '../../src/store/run-state.js';

/** The fixture's epoch length: step 100 (the default) is mid-epoch, epoch 2, 20 steps in. */
export const STEPS_PER_EPOCH = 40;

/** `c` moved to `step`: updates, cursor and epoch loss consistent with it. */
export function atStep(c: Checkpoint, step: number): Checkpoint {
  const stepsPerEpoch = c.cursor.stepsPerEpoch ?? STEPS_PER_EPOCH;
  const totalSteps = c.config.steps ?? c.config.epochs * stepsPerEpoch;
  const cursor = cursorAt(step, { stepsPerEpoch, batchSize: c.config.batchSize, totalSteps });
  return {
    ...c,
    step,
    updates: Math.max(0, step - 1),
    epochLoss: { sum: 0.75 * Math.min(step, 3), steps: Math.min(step, 3) },
    cursor: { ...cursor, stepsPerEpoch },
  };
}

/** A config → a checkpoint of its exact shapes, filled from `seed` (plus a NaN, a −0 and an ∞). */
export function makeCheckpoint(
  input: unknown = { model: { hidden: [16], batchNorm: true } },
  step = 100,
  seed = 1,
): Checkpoint {
  const config: RunConfig = parseConfig(input, { checkFiles: false });
  const run = buildRun(config);
  const layouts = mlpLayouts(run.model);
  const rng = new Rng(seed);
  const filled = (n: number) => rng.fillNormal(new Float32Array(n), 1);
  const params = filled(layouts.params.size);
  params[0] = Number.NaN;
  params[1] = -0;
  params[2] = Number.POSITIVE_INFINITY;
  const slots = Object.fromEntries(
    optimizerSlotNames(run.optimizer).map((name) => [name, filled(params.length)]),
  );
  const base: Checkpoint = {
    step: 0,
    updates: 0,
    epochLoss: { sum: 0, steps: 0 },
    runId: 'r',
    cursor: { epoch: 0, position: 0, stepsPerEpoch: STEPS_PER_EPOCH },
    model: run.model,
    config,
    params,
    buffers: filled(layouts.buffers.size),
    slots,
  };
  return atStep(base, step);
}

/**
 * `c` in the shape the checkpoint policy wrote before the typed pair: `scheduleCount`, `rng`,
 * `cursor.seed`, `extra: { runId, epochLoss }`, no `stepsPerEpoch`.
 */
export function legacyShape(c: Checkpoint): Record<string, unknown> {
  return {
    step: c.step,
    updates: c.updates,
    scheduleCount: c.updates,
    params: c.params,
    buffers: c.buffers,
    slots: c.slots,
    rng: new Rng(c.config.seed).state(),
    cursor: { epoch: c.cursor.epoch, position: c.cursor.position, seed: c.config.seed },
    model: c.model,
    config: c.config,
    extra: { runId: c.runId, epochLoss: { ...c.epochLoss } },
  };
}

/** The bytes of a checkpoint in the legacy shape, through the (unchanged) encoder. */
export function encodeLegacy(c: Checkpoint): Buffer {
  return Buffer.concat(encodeCheckpoint(legacyShape(c) as unknown as Checkpoint));
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** A parsed header, for edits that reach into it. */
// biome-ignore lint/suspicious/noExplicitAny: the edits reach into parsed JSON
export type JsonHeader = Record<string, any>;

/** A checkpoint file's JSON header and a copy of its payload (the arrays, by the header's offsets). */
export function readRaw(bytes: Buffer): { header: JsonHeader; payload: Buffer } {
  const length = bytes.readUInt32LE(12);
  const header = JSON.parse(bytes.toString('utf8', 16, 16 + length)) as JsonHeader;
  const payload = Buffer.from(bytes.subarray(align8(16 + length), bytes.length - 32));
  return { header, payload };
}

/**
 * Edits a checkpoint file: `edit` may change the parsed header and the payload in place; the file is
 * then re-encoded (new header length, padding) with a recomputed SHA-256, so only the checks of the
 * fields themselves can refuse it.
 */
export function editCheckpoint(bytes: Buffer, edit: (header: JsonHeader, payload: Buffer) => void): Buffer {
  const { header, payload } = readRaw(bytes);
  edit(header, payload);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.from(bytes.subarray(0, 16));
  prefix.writeUInt32LE(json.length, 12);
  const pad = Buffer.alloc(align8(16 + json.length) - 16 - json.length);
  const body = Buffer.concat([prefix, json, pad, payload]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}
