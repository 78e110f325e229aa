// The typed pair: a resume state ⇄ a checkpoint. Every field written is read back, a hand-edited
// header is refused even with a recomputed checksum, a checkpoint in the shape written before the
// pair still loads, and both shapes resume a run bit for bit.

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { buildRun } from '../../src/config/build.js';
import { loadRunData } from '../../src/config/data.js';
import type { RunConfig } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/validate.js';
import { createController } from '../../src/pipeline/controller.js';
import { slotRegion } from '../../src/pipeline/plan.js';
import {
  captureResumeState,
  createTrainingSession,
  type ResumeState,
  type TrainConfig,
} from '../../src/pipeline/train.js';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint-format.js';
import { cursorAt, toCheckpoint, toResumeState, validateCheckpoint } from '../../src/store/run-state.js';
import type { TrainEvent } from '../../src/train/events.js';
import {
  editCheckpoint,
  encodeLegacy,
  type JsonHeader,
  legacyShape,
  makeCheckpoint,
  readRaw,
} from './checkpoint-fixture.js';

const SOURCE = 'runs/x/checkpoints/ckpt-0000000100.gsc';
const encode = (c: Checkpoint) => Buffer.concat(encodeCheckpoint(c));
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** Everything a resume gets out of a file, comparable with toEqual; or the error it refuses it with. */
function readBack(bytes: Buffer): unknown {
  try {
    const s = toResumeState(decodeCheckpoint(bytes, SOURCE), { runId: 'r', source: SOURCE });
    return {
      step: s.step,
      updates: s.updates,
      epochLoss: s.epochLoss,
      params: bits(s.params),
      buffers: bits(s.buffers),
      slots: Object.fromEntries(Object.entries(s.slots).map(([k, v]) => [k, bits(v)])),
    };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

/** The message a file is refused with (fails the test when it loads). */
function refusal(bytes: Buffer): string {
  const r = readBack(bytes) as { refused?: string };
  expect(r.refused, 'the edited checkpoint was accepted').toBeDefined();
  return r.refused as string;
}

describe('toCheckpoint / toResumeState', () => {
  it('round-trips a resume state through a checkpoint file, every field arriving', () => {
    const c = makeCheckpoint();
    const state: ResumeState = toResumeState(c, { runId: 'r' });
    const made = toCheckpoint(state, {
      runId: c.runId,
      model: c.model,
      config: c.config,
      cursor: c.cursor,
    });
    const back = decodeCheckpoint(encode(made), SOURCE);
    // Every field of the Checkpoint type, the arrays bit for bit (NaN, −0, ∞ included).
    const { params, buffers, slots, ...header } = back;
    const { params: p0, buffers: b0, slots: s0, ...header0 } = c;
    expect(header).toEqual(header0);
    expect(Object.keys(header).sort()).toEqual(
      ['config', 'cursor', 'epochLoss', 'model', 'runId', 'step', 'updates'].sort(),
    );
    expect(bits(params)).toBe(bits(p0));
    expect(bits(buffers)).toBe(bits(b0));
    expect(Object.keys(slots)).toEqual(Object.keys(s0));
    for (const k of Object.keys(s0)) expect(bits(slots[k])).toBe(bits(s0[k]));
    const resumed = toResumeState(back, { runId: 'r', source: SOURCE });
    expect(resumed).toEqual(state);
    expect(resumed.epochLoss).toEqual({ sum: 2.25, steps: 3 });
    expect(c.cursor).toEqual({ epoch: 2, position: 2000, stepsPerEpoch: 40 });
  });

  it('reads back every field it writes: a field toResumeState ignored would fail here', () => {
    const bytes = encode(makeCheckpoint());
    const { header } = readRaw(bytes);
    // One edit per header field; each must change what a resume gets, or refuse the file.
    const edits: Record<string, (h: JsonHeader) => void> = {
      format: (h) => {
        h.format = 'other';
      },
      endian: (h) => {
        h.endian = 'BE';
      },
      arrays: (h) => {
        h.arrays[1].length -= 1;
      },
      payloadBytes: (h) => {
        h.payloadBytes += 8;
      },
      step: (h) => {
        h.step += 1;
      },
      updates: (h) => {
        h.updates -= 1;
      },
      epochLoss: (h) => {
        h.epochLoss.sum += 1;
      },
      runId: (h) => {
        h.runId = 'another-run';
      },
      cursor: (h) => {
        h.cursor.stepsPerEpoch += 1;
      },
      model: (h) => {
        h.model.dropout = 0.5;
      },
      config: (h) => {
        h.config.batchSize = 50;
      },
    };
    expect(Object.keys(header).sort()).toEqual(Object.keys(edits).sort());
    const original = readBack(bytes);
    expect(original).not.toHaveProperty('refused');
    for (const [key, edit] of Object.entries(edits)) {
      expect(readBack(editCheckpoint(bytes, edit)), `header field ${key}`).not.toEqual(original);
    }
    // And every array: one value changed in each changes the state.
    for (const entry of header.arrays as { name: string; offset: number }[]) {
      const edited = editCheckpoint(bytes, (_h, payload) => {
        payload.writeFloatLE(1234.5, entry.offset + 8);
      });
      expect(readBack(edited), `array ${entry.name}`).not.toEqual(original);
    }
  });

  it('refuses a checkpoint of another run', () => {
    expect(() => toResumeState(makeCheckpoint(), { runId: 'r2', source: SOURCE })).toThrow(
      `checkpoint ${SOURCE}: header field "runId" must be "r2" (the run being resumed), got "r"`,
    );
  });

  it('never produces a checkpoint that would not load', () => {
    const c = makeCheckpoint();
    const state = toResumeState(c, { runId: 'r' });
    const meta = { runId: 'r', model: c.model, config: c.config };
    expect(() =>
      toCheckpoint(state, { ...meta, cursor: { epoch: 2, position: 2100, stepsPerEpoch: 40 } }),
    ).toThrow(
      'checkpoint (new): header field "cursor" must be {"epoch":2,"position":2000,"stepsPerEpoch":40} (step 100 with batchSize 100, 120 steps in all), got {"epoch":2,"position":2100,"stepsPerEpoch":40}',
    );
    expect(() =>
      toCheckpoint({ ...state, params: state.params.subarray(1) }, { ...meta, cursor: c.cursor }),
    ).toThrow(
      'checkpoint (new): array "params" must have 12764 values (the parameter count of the model 784-16-10), got 12763',
    );
  });

  it('the cursor is where a run ends its epochs, the last step of a `steps` run included', () => {
    const schedule = { stepsPerEpoch: 8, batchSize: 32, totalSteps: 13 };
    expect([0, 1, 7, 8, 9, 12, 13].map((s) => cursorAt(s, schedule))).toEqual([
      { epoch: 0, position: 0 },
      { epoch: 0, position: 32 },
      { epoch: 0, position: 224 },
      { epoch: 1, position: 0 },
      { epoch: 1, position: 32 },
      { epoch: 1, position: 128 },
      { epoch: 2, position: 0 },
    ]);
  });
});

describe('a hand-edited header with a recomputed checksum', () => {
  const bytes = encode(makeCheckpoint());
  const cases: [string, (h: JsonHeader) => void, string][] = [
    [
      'step 1e12',
      (h) => {
        h.step = 1e12;
      },
      'header field "step" must be an integer in [0, 2147483647], got 1000000000000 (steps are kept in Int32 shared counters)',
    ],
    [
      'step −5',
      (h) => {
        h.step = -5;
      },
      'header field "step" must be an integer in [0, 2147483647], got -5 (steps are kept in Int32 shared counters)',
    ],
    [
      'step 2.5',
      (h) => {
        h.step = 2.5;
      },
      'header field "step" must be an integer in [0, 2147483647], got 2.5 (steps are kept in Int32 shared counters)',
    ],
    [
      'updates "x"',
      (h) => {
        h.updates = 'x';
      },
      'header field "updates" must be an integer in [0, step], got "x"',
    ],
    [
      'updates beyond step',
      (h) => {
        h.updates = 101;
      },
      'header field "updates" must be an integer in [0, step] = [0, 100], got 101',
    ],
    [
      'a string in epochLoss',
      (h) => {
        h.epochLoss.sum = '2.25';
      },
      'header field "epochLoss.sum" must be a finite number, got "2.25"',
    ],
    [
      'a string for epochLoss',
      (h) => {
        h.epochLoss = 'none';
      },
      'header field "epochLoss" must be an object { sum, steps }, got "none"',
    ],
    [
      'a missing field',
      (h) => {
        delete h.runId;
      },
      'header field "runId" is missing',
    ],
    [
      'an unknown field',
      (h) => {
        h.elapsedMs = 5;
      },
      'header field "elapsedMs" is not one this gradstream reads',
    ],
    [
      'a cursor off its step',
      (h) => {
        h.cursor.epoch = 1;
      },
      'header field "cursor" must be {"epoch":2,"position":2000,"stepsPerEpoch":40} (step 100 with batchSize 100, 120 steps in all), got {"epoch":1,"position":2000,"stepsPerEpoch":40}',
    ],
    [
      'a negative cursor',
      (h) => {
        h.cursor.position = -1;
      },
      'header field "cursor.position" must be an integer in [0, 2147483647], got -1',
    ],
    [
      'an array shorter than the model',
      (h) => {
        h.arrays[0].length -= 1;
      },
      'array "params" must have 12764 values (the parameter count of the model 784-16-10), got 12763',
    ],
    [
      'a model whose layout disagrees with the arrays',
      (h) => {
        h.model.sizes = [784, 17, 10];
        h.config.model.hidden = [17];
      },
      'array "params" must have 13572 values (the parameter count of the model 784-17-10), got 12764; array "buffers" must have 40 values (the buffer count of the model 784-17-10), got 32; array "slot/scaleByAdam.mu" must have 13572 values (one per parameter), got 12764; array "slot/scaleByAdam.nu" must have 13572 values (one per parameter), got 12764',
    ],
    [
      'a model its config does not describe',
      (h) => {
        h.model.activation = 'sigmoid';
      },
      'header field "model.activation" must be "relu" (as config.model describes it), got "sigmoid"',
    ],
    [
      'slots of another optimizer',
      (h) => {
        h.config.optimizer = { name: 'momentum', lr: 0.1 };
      },
      'the optimizer slots must be "trace.v" (config.optimizer\'s), got "scaleByAdam.mu, scaleByAdam.nu"',
    ],
    [
      'an invalid config',
      (h) => {
        h.config.batchSize = 0;
      },
      'header field "config" is not a valid run config: batchSize: must be an integer ≥ 1, got 0',
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(`refuses ${name}, naming the field`, () => {
      expect(refusal(editCheckpoint(bytes, edit))).toBe(`checkpoint ${SOURCE}: ${message}`);
    });
  }

  it('refuses with code ERR_CHECKPOINT', () => {
    const edited = editCheckpoint(bytes, (h) => {
      h.step = 1e12;
    });
    expect(() => decodeCheckpoint(edited, SOURCE)).toThrow(
      expect.objectContaining({ code: 'ERR_CHECKPOINT' }),
    );
  });
});

describe('a checkpoint written before the typed pair (rng, scheduleCount, cursor.seed, extra)', () => {
  it('loads: extra becomes runId and epochLoss, the other old fields are checked', () => {
    const c = makeCheckpoint();
    const back = decodeCheckpoint(encodeLegacy(c), SOURCE);
    // Every field arrives; the epoch length, not stored then, is the one the cursor fits.
    expect(back).toEqual(c);
    expect(toResumeState(back, { runId: 'r' })).toEqual(toResumeState(c, { runId: 'r' }));
  });

  it('reads back every field the old shape wrote', () => {
    const bytes = encodeLegacy(makeCheckpoint());
    const { header } = readRaw(bytes);
    const edits: Record<string, (h: JsonHeader) => void> = {
      format: (h) => {
        h.format = 'other';
      },
      endian: (h) => {
        h.endian = 'BE';
      },
      arrays: (h) => {
        h.arrays[1].length -= 1;
      },
      payloadBytes: (h) => {
        h.payloadBytes += 8;
      },
      step: (h) => {
        h.step += 1;
      },
      updates: (h) => {
        h.updates -= 1;
      },
      scheduleCount: (h) => {
        h.scheduleCount -= 1;
      },
      rng: (h) => {
        h.rng.counter += 1;
      },
      cursor: (h) => {
        h.cursor.seed += 1;
      },
      model: (h) => {
        h.model.dropout = 0.5;
      },
      config: (h) => {
        h.config.batchSize = 50;
      },
      extra: (h) => {
        h.extra.epochLoss.sum += 1;
      },
    };
    expect(Object.keys(header).sort()).toEqual(Object.keys(edits).sort());
    const original = readBack(bytes);
    expect(original).not.toHaveProperty('refused');
    for (const [key, edit] of Object.entries(edits))
      expect(readBack(editCheckpoint(bytes, edit)), `header field ${key}`).not.toEqual(original);
    expect(refusal(editCheckpoint(bytes, edits.rng))).toBe(
      `checkpoint ${SOURCE}: header field "rng" must be the state of the seed's stream {"key":1753845952,"counter":0}, got {"key":1753845952,"counter":1}`,
    );
    expect(refusal(editCheckpoint(bytes, edits.scheduleCount))).toBe(
      `checkpoint ${SOURCE}: header field "scheduleCount" must be updates (99), got 98`,
    );
    expect(
      refusal(
        editCheckpoint(bytes, (h) => {
          h.cursor.position = 2100;
        }),
      ),
    ).toBe(
      `checkpoint ${SOURCE}: header field "cursor" must be the epoch and position of step 100 for some epoch length, got {"epoch":2,"position":2100,"seed":1}`,
    );
  });

  it('is refused when half old, half new', () => {
    const bytes = encodeLegacy(makeCheckpoint());
    expect(
      refusal(
        editCheckpoint(bytes, (h) => {
          h.runId = 'r';
        }),
      ),
    ).toBe(`checkpoint ${SOURCE}: header field "runId" is not one this gradstream reads`);
  });

  it('old cursors fit an epoch length exactly when one exists', () => {
    const c = makeCheckpoint({ model: { hidden: [8] }, batchSize: 32, steps: 13 }, 0);
    for (const stepsPerEpoch of [1, 2, 5, 8, 13, 20]) {
      for (let step = 0; step <= 13; step++) {
        const at = cursorAt(step, { stepsPerEpoch, batchSize: 32, totalSteps: 13 });
        const legacy = legacyShape({ ...c, step, updates: 0, cursor: { ...at, stepsPerEpoch } });
        expect(() => validateCheckpoint(legacy as never), `step ${step} of ${stepsPerEpoch}`).not.toThrow();
      }
    }
  });
});

describe('with the pipeline', () => {
  const config: RunConfig = parseConfig(
    {
      model: { hidden: [16], batchNorm: true, dropout: 0.1 },
      data: { trainLimit: 250, validation: 0 },
      batchSize: 32, // 8 steps per epoch, the last one partial (26 samples)
      steps: 13, // the last step is mid-epoch
      workers: 2,
      seed: 3,
      dashboard: { enabled: false },
    },
    { checkFiles: false },
  );
  const run = buildRun(config);
  const data = loadRunData(config);
  const meta = { runId: 'run-1', model: run.model, config };
  const trainConfig = (over: Partial<TrainConfig> = {}): TrainConfig => ({
    ...run.plan,
    train: data.train,
    steps: config.steps,
    runId: 'run-1',
    safePointEvery: 1,
    ...over,
  });

  async function trainRun(c: TrainConfig) {
    const session = createTrainingSession(c);
    const events: TrainEvent[] = await lastValueFrom(session.events$.pipe(toArray()));
    const regions = ['params', 'buffers', ...session.plan.slotNames.map(slotRegion)];
    return { events, state: regions.map((r) => bits(session.memory.f32(r))) };
  }

  it('stores at every safe point the cursor the pipeline reports, and resumes both shapes bit for bit', async () => {
    const cursors: unknown[] = [];
    const straight = await trainRun(
      trainConfig({
        onSafePoint: (point, session) => {
          expect(cursorAt(point.step, session.schedule)).toEqual({
            epoch: point.epoch,
            position: point.position,
          });
          const stepsPerEpoch = session.schedule.stepsPerEpoch;
          const c = toCheckpoint(captureResumeState(session, point), {
            ...meta,
            cursor: { epoch: point.epoch, position: point.position, stepsPerEpoch },
          });
          cursors.push([c.step, c.cursor.epoch, c.cursor.position]);
        },
      }),
    );
    expect(cursors).toHaveLength(13);
    expect(cursors.slice(6, 9)).toEqual([
      [7, 0, 224],
      [8, 1, 0],
      [9, 1, 32],
    ]);
    expect(cursors.at(-1)).toEqual([13, 2, 0]);

    const controller = createController();
    let saved: Checkpoint | undefined;
    await trainRun(
      trainConfig({
        controller,
        onSafePoint: (point, session) => {
          if (point.step !== 5) return;
          saved = toCheckpoint(captureResumeState(session, point), {
            ...meta,
            cursor: {
              epoch: point.epoch,
              position: point.position,
              stepsPerEpoch: session.schedule.stepsPerEpoch,
            },
          });
          controller.stop();
        },
      }),
    );
    expect(saved?.epochLoss.steps).toBe(5);
    const checkpoint = saved as Checkpoint;
    const strip = (events: TrainEvent[]) =>
      events.flatMap((e) =>
        (e.type === 'step' && e.step > 5) || e.type === 'epoch'
          ? [e.type === 'step' ? { step: e.step, loss: e.loss, gradNorm: e.gradNorm } : e]
          : [],
      );
    for (const bytes of [encode(checkpoint), encodeLegacy(checkpoint)]) {
      const state = toResumeState(decodeCheckpoint(bytes, SOURCE), { runId: 'run-1', source: SOURCE });
      const resumed = await trainRun(trainConfig({ resume: state }));
      expect(resumed.state).toEqual(straight.state);
      // The epoch in progress at the stop reports the straight run's mean: epochLoss came back.
      expect(strip(resumed.events)).toEqual(strip(straight.events));
    }
  });
});
