import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/schema.js';
import { parseConfig, validateConfig } from '../../src/config/validate.js';
import { OPTIMIZER_NAMES } from '../../src/optim/from-config.js';

function problems(input: unknown): readonly string[] {
  const result = validateConfig(input);
  if (result.ok) throw new Error(`expected problems, got a valid config for ${JSON.stringify(input)}`);
  return result.problems;
}

const tmp = mkdtempSync(join(tmpdir(), 'gradstream-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A ubyte IDX file of zeros with these dims, in `tmp`; `extra` bytes more or less than its header says. */
function writeIdx(name: string, dims: number[], extra = 0): string {
  const header = [
    0,
    0,
    0x08,
    dims.length,
    ...dims.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]),
  ];
  const body = new Uint8Array(dims.reduce((a, b) => a * b, 1) + extra);
  writeFileSync(join(tmp, name), Buffer.concat([Uint8Array.from(header), body]));
  return join(tmp, name);
}

describe('validateConfig', () => {
  it('fills every default, hidden sizes and the activation-dependent init', () => {
    const result = validateConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    expect(c.model).toEqual({ ...DEFAULTS.model, hidden: [100, 100], init: 'he' });
    expect(c.optimizer).toEqual({ name: 'adam', lr: 0.001 });
    expect(c.batchSize).toBe(DEFAULTS.batchSize);
    expect(c.checkpoint).toEqual(DEFAULTS.checkpoint);
    expect(c.dashboard).toEqual(DEFAULTS.dashboard);
    expect(c.store).toEqual({ dir: 'runs' });
    expect(c.steps).toBeUndefined();
    const sigmoid = validateConfig({ model: { activation: 'sigmoid' } });
    expect(sigmoid.ok && sigmoid.config.model.init).toBe('xavier');
    const sized = validateConfig({ model: { sizes: [784, 10] } });
    expect(sized.ok && sized.config.model.hidden).toBeUndefined();
  });

  it.each([
    [{ optimizer: { lr: -1 } }, 'optimizer.lr: must be in [2^-126, 1000], got -1'],
    // the rates setLearningRate refuses: one overflows float32 within steps, one is 0 in float32
    [{ optimizer: { lr: 1e308 } }, 'optimizer.lr: must be in [2^-126, 1000], got 1e+308'],
    [{ optimizer: { lr: 1e-320 } }, 'optimizer.lr: must be in [2^-126, 1000], got 1e-320'],
    [{ batchSize: 0 }, 'batchSize: must be an integer ≥ 1, got 0'],
    [{ batchSize: 2.5 }, 'batchSize: must be an integer ≥ 1, got 2.5'],
    [{ optimizer: { name: 'foo' } }, `optimizer.name: unknown "foo"; allowed: ${OPTIMIZER_NAMES.join(', ')}`],
    [{ model: { foo: 1 } }, 'model.foo: unknown field'],
    [{ bogus: true }, 'bogus: unknown field'],
    [{ data: { images: '/x/y', labels: '/x/z' } }, 'data.images: file not found: /x/y'],
    [{ mode: 'fast' }, 'mode: unknown "fast"; allowed: sync, async'],
    [{ workers: 65 }, 'workers: must be an integer in [1, 64], got 65'],
    [{ model: { dropout: 1 } }, 'model.dropout: must be in [0, 1), got 1'],
    [
      { model: { init: 'zeros' } },
      'model.init: must be "he", "xavier" or { "std": number > 0 }, got "zeros"',
    ],
    [
      { model: { init: { std: 0 } } },
      'model.init: must be "he", "xavier" or { "std": number > 0 }, got {"std":0}',
    ],
    [{ model: { batchNorm: { momentum: 2 } } }, 'model.batchNorm.momentum: must be in [0, 1], got 2'],
    [
      { model: { batchNorm: 'yes' } },
      'model.batchNorm: must be true, false or { "momentum": number, "eps": number }, got "yes"',
    ],
    [{ model: { hidden: [100, 0] } }, 'model.hidden: must be an array of integers ≥ 1, got [100,0]'],
    [{ model: 5 }, 'model: must be an object, got 5'],
    [7, 'config: must be an object, got 7'],
    [{ dashboard: { port: 70000 } }, 'dashboard.port: must be an integer in [0, 65535], got 70000'],
    [{ seed: 1.5 }, 'seed: must be an integer, got 1.5'],
    [{ microBatches: 200 }, 'microBatches: must be ≤ batchSize (100), got 200'],
    [
      { model: { sizes: [784, 10], hidden: [5] } },
      'model.hidden: give model.sizes or model.hidden, not both',
    ],
    [{ data: { images: '/x/y' } }, 'data.labels: required with data.images'],
    [{ data: { testLabels: '/x/y' } }, 'data.testImages: required with data.testLabels'],
    [{ name: '' }, 'name: must be a non-empty string, got ""'],
  ])('reports %j as one line', (input, line) => {
    expect(problems(input)).toContain(line);
  });

  it('reports every problem at once, each on its own line', () => {
    const list = problems({
      optimizer: { name: 'foo', lr: -1 },
      batchSize: 0,
      model: { foo: 1 },
      data: { images: join(tmp, 'missing'), labels: join(tmp, 'missing-too') },
    });
    expect(list).toEqual([
      'model.foo: unknown field',
      `optimizer.name: unknown "foo"; allowed: ${OPTIMIZER_NAMES.join(', ')}`,
      'optimizer.lr: must be in [2^-126, 1000], got -1',
      'batchSize: must be an integer ≥ 1, got 0',
      `data.images: file not found: ${join(tmp, 'missing')}`,
      `data.labels: file not found: ${join(tmp, 'missing-too')}`,
    ]);
    for (const line of list) expect(line).not.toContain('\n');
  });

  it('refuses hyperparameters the chosen optimizer does not take (through optimizerFromConfig)', () => {
    expect(problems({ optimizer: { name: 'adam', momentum: 0.9 } })).toEqual([
      'optimizer.momentum: must be absent (adam takes lr, beta1, beta2, eps), got 0.9',
    ]);
  });

  it('checks schedules with checkSchedule, starting them at optimizer.lr', () => {
    expect(problems({ optimizer: { schedule: { kind: 'step', every: 0, gamma: 0.5 } } })).toEqual([
      'optimizer.schedule.every: must be an integer in [1, ∞), got 0',
    ]);
    expect(problems({ optimizer: { schedule: { kind: 'cyclic' } } })).toEqual([
      'optimizer.schedule.kind: unknown "cyclic"; allowed: constant, step, exponential, cosine, warmup',
    ]);
    expect(problems({ optimizer: { schedule: { kind: 'cosine', steps: 10, init: 1 } } })).toEqual([
      'optimizer.schedule.init: unknown field (a schedule starts at optimizer.lr)',
    ]);
    expect(
      problems({
        optimizer: { schedule: { kind: 'warmup', steps: 5, schedule: { kind: 'cosine', steps: -1 } } },
      }),
    ).toEqual(['optimizer.schedule.schedule.steps: must be an integer in [1, ∞), got -1']);
    const ok = validateConfig({ optimizer: { lr: 0.01, schedule: { kind: 'warmup', steps: 5 } } });
    expect(ok.ok).toBe(true);
  });

  it('checks that data files and folders exist, relative to baseDir', () => {
    writeIdx('images', [10, 28, 28]);
    writeIdx('labels', [10]);
    const pair = { data: { images: 'images', labels: 'labels' }, batchSize: 5 };
    expect(validateConfig(pair, { baseDir: tmp }).ok).toBe(true);
    expect(validateConfig(pair).ok).toBe(false);
    expect(validateConfig(pair, { checkFiles: false }).ok).toBe(true);
    expect(problems({ data: { dir: join(tmp, 'nope') } })).toEqual([
      `data.dir: folder not found: ${join(tmp, 'nope')}`,
    ]);
    expect(problems({ data: { dir: tmp } })).toContain(
      `data.dir: file not found: ${join(tmp, 'train-images-idx3-ubyte')}`,
    );
  });
});

describe('validateConfig reads the data files’ headers', () => {
  it('refuses a folder, a truncated file and a file longer than its header, naming field and path', () => {
    // Before: a folder was "file not found", and a malformed file passed validation (the run was
    // created, then failed reading it).
    const folder = join(tmp, 'folder-images');
    mkdirSync(folder);
    const short = writeIdx('short-labels', [10], -3);
    expect(problems({ data: { images: folder, labels: short } })).toEqual([
      `data.images: ${folder}: not a regular file (a folder)`,
      `data.labels: ${short}: truncated: header says 10 bytes of data, file has 7`,
    ]);
    const long = writeIdx('long-images', [10, 28, 28], 5);
    expect(problems({ data: { images: long, labels: writeIdx('ten-labels', [10]) } })).toEqual([
      `data.images: ${long}: 5 trailing bytes: header says 10×28×28 = 7840 bytes of data, file has 7845`,
    ]);
  });

  it('refuses images and labels of different counts, and a test set of other features', () => {
    const images = writeIdx('pair-images', [10, 28, 28]);
    const labels = writeIdx('pair-labels', [9]);
    expect(problems({ data: { images, labels } })).toEqual([
      `data.images: ${labels}: has 9 labels but ${images} has 10 images`,
    ]);
    const testImages = writeIdx('test-images-5', [4, 5]);
    expect(
      problems({
        data: {
          images,
          labels: writeIdx('labels-10', [10]),
          testImages,
          testLabels: writeIdx('labels-4', [4]),
        },
      }),
    ).toEqual([`data.testImages: ${testImages}: 5 features per sample, but the training images have 784`]);
  });

  it('refuses a model whose input or output does not fit the data', () => {
    const images = writeIdx('sixteen-images', [10, 4, 4]);
    const labels = writeIdx('sixteen-labels', [10]);
    expect(problems({ data: { images, labels }, batchSize: 5 })).toEqual([
      `data.images: ${images}: 16 features per sample, but without model.sizes the model takes MNIST's 784; give model.sizes [16, …, 10]`,
    ]);
    expect(problems({ data: { images, labels }, batchSize: 5, model: { sizes: [16, 8, 5] } })).toEqual([
      "model.sizes: must be [16, …, 10] (the data's features and classes), got [16,8,5]",
    ]);
    expect(validateConfig({ data: { images, labels }, batchSize: 5, model: { sizes: [16, 8, 10] } }).ok).toBe(
      true,
    );
  });
});

describe('validateConfig on values no file would hold', () => {
  it('cuts a problem quoting a huge value to one short line', () => {
    // Before: the whole 100,000-character value was quoted in the message.
    const [line] = problems({ optimizer: { name: 'x'.repeat(100_000) } });
    expect(line).toMatch(/^optimizer\.name: unknown "xxx/);
    expect(line.length).toBeLessThanOrEqual(401);
  });

  it('refuses 200,000 levels of nesting as one problem instead of overflowing the stack', () => {
    // Before: RangeError: Maximum call stack size exceeded (zod, the schedule check, the messages).
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    let schedules: unknown = { kind: 'constant' };
    for (let i = 0; i < 100_000; i++) schedules = { kind: 'warmup', steps: 1, schedule: schedules };
    for (const input of [
      deep,
      { model: { hidden: deep } },
      { optimizer: { lr: 0.1, schedule: schedules } },
    ]) {
      expect(validateConfig(input, { checkFiles: false })).toEqual({
        ok: false,
        problems: ['config: nested more than 64 levels deep (a config needs 4)'],
      });
    }
  });
});

describe('parseConfig', () => {
  it('throws ERR_INVALID_OPTION with one problem per line', () => {
    const fn = () => parseConfig({ batchSize: 0, epochs: 0 });
    expect(fn).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: 'batchSize: must be an integer ≥ 1, got 0\nepochs: must be an integer ≥ 1, got 0',
      }),
    );
  });
});
