// Fuzzes the config path a user's input takes: arbitrary values (fc.jsonValue, fc.anything) and
// mutations of valid configs through validateConfig (and, when valid, buildRun and the run's sizing
// against the data files), and arbitrary text as YAML and JSON files through loadConfigFile and
// mergeConfig. The only outcomes allowed: a result ({ ok: false, problems } of one-line problems, or a
// config) or a GradstreamError; never another exception, never a hang.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRun } from '../../src/config/build.js';
import { loadConfigFile, mergeConfig } from '../../src/config/load.js';
import { type ConfigResult, validateConfig } from '../../src/config/validate.js';
import { fuzzParameters, onlyGradstreamErrors } from './fuzz-runs.js';

const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gradstream-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A result's problems are one line each and short enough to read. */
function checkResult(result: ConfigResult): void {
  if (result.ok) return;
  expect(result.problems.length).toBeGreaterThan(0);
  for (const line of result.problems) {
    expect(typeof line).toBe('string');
    expect(line).not.toContain('\n');
  }
}

/** validateConfig never throws; a valid config builds its run (or refuses with a GradstreamError). */
function validates(input: unknown, checkFiles = false): boolean {
  const result = validateConfig(input, { checkFiles });
  checkResult(result);
  if (result.ok) onlyGradstreamErrors(() => buildRun(result.config));
  return true;
}

/** Numbers at the edges: huge, tiny, negative, fractional, non-finite, past 2^53. */
const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    0.5,
    0.999,
    1e12,
    1e308,
    -1e308,
    1e-320,
    2 ** 53 + 2,
    2 ** 31,
    1e9,
    Number.NaN,
  ),
  fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
  fc.integer(),
);
const edgeValue = fc.oneof(
  edgeNumber,
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(edgeNumber, { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A valid config: each field present or not, with a value from its allowed range. */
const validConfig = fc.record(
  {
    model: fc.record(
      {
        hidden: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 3 }),
        activation: fc.constantFrom('relu', 'sigmoid'),
        batchNorm: fc.oneof(
          fc.boolean(),
          fc.record({ momentum: fc.double({ min: 0, max: 1, noNaN: true }) }),
        ),
        dropout: fc.double({ min: 0, max: 0.9, noNaN: true }),
        init: fc.oneof(
          fc.constantFrom('he', 'xavier'),
          fc.record({ std: fc.double({ min: 1e-3, max: 1, noNaN: true }) }),
        ),
      },
      { requiredKeys: [] },
    ),
    optimizer: fc.oneof(
      fc.record({
        name: fc.constantFrom('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'),
        lr: fc.double({ min: 1e-6, max: 1, noNaN: true }),
      }),
      fc.record({
        name: fc.constant('momentum'),
        lr: fc.constant(0.01),
        momentum: fc.double({ min: 0, max: 0.99, noNaN: true }),
        schedule: fc.constantFrom(
          { kind: 'cosine', steps: 100 },
          { kind: 'warmup', steps: 5, schedule: { kind: 'constant' } },
          { kind: 'step', every: 10, gamma: 0.5 },
        ),
      }),
    ),
    data: fc.record(
      {
        trainLimit: fc.integer({ min: 1, max: 70_000 }),
        validation: fc.double({ min: 0, max: 0.99, noNaN: true }),
      },
      { requiredKeys: [] },
    ),
    batchSize: fc.integer({ min: 1, max: 512 }),
    microBatches: fc.integer({ min: 1, max: 4 }),
    workers: fc.integer({ min: 1, max: 8 }),
    mode: fc.constantFrom('sync', 'async'),
    staleness: fc.integer({ min: 1, max: 16 }),
    epochs: fc.integer({ min: 1, max: 10 }),
    seed: fc.integer(),
    kernels: fc.constantFrom('auto', 'js', 'wasm'),
  },
  { requiredKeys: [] },
);

type Json = Record<string, unknown>;

/** Sets `path` of a copy of `config` to `value` (making objects on the way, replacing non-objects). */
function setPath(config: Json, path: readonly string[], value: unknown): Json {
  const copy: Json = structuredClone(config);
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[path.at(-1)!] = value;
  return copy;
}

const FIELD_PATHS = [
  ['model', 'hidden'],
  ['model', 'sizes'],
  ['model', 'activation'],
  ['model', 'batchNorm'],
  ['model', 'init'],
  ['model', 'dropout'],
  ['optimizer', 'name'],
  ['optimizer', 'lr'],
  ['optimizer', 'schedule'],
  ['optimizer', 'schedule', 'schedule'],
  ['optimizer', 'momentum'],
  ['data', 'validation'],
  ['data', 'trainLimit'],
  ['data', 'dir'],
  ['batchSize'],
  ['microBatches'],
  ['workers'],
  ['mode'],
  ['seed'],
  ['checkpoint', 'keep'],
  ['dashboard', 'port'],
  ['model'],
  ['data'],
  ['__proto__'],
  ['constructor', 'prototype'],
] as const;

/** A valid config with 1–3 fields set to edge values (or to whole arbitrary values). */
const mutatedConfig = fc
  .tuple(
    validConfig,
    fc.array(fc.tuple(fc.constantFrom(...FIELD_PATHS), fc.oneof(edgeValue, fc.anything({ maxDepth: 3 }))), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([config, edits]) => edits.reduce((c, [path, value]) => setPath(c, path, value), config as Json));

/** Text as a config file: arbitrary strings, mangled valid YAML and JSON, control bytes. */
const fileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
  fc
    .tuple(
      fc.constantFrom(
        'model:\n  hidden: [50]\noptimizer:\n  name: adam\n  lr: 0.01\n',
        '{"batchSize": 32, "data": {"validation": 0.2}}',
        '- 1\n- [2\n',
        'a: &x [*x]\n',
        'a: !!binary AAAA\n',
        '? [a]\n: b\n',
      ),
      fc.nat(),
      fc.string({ unit: 'binary', maxLength: 8 }),
    )
    .map(
      ([text, at, insert]) =>
        text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1)),
    ),
);

let fileCount = 0;
function loadsAsFile(text: string, ext: 'yaml' | 'json'): boolean {
  const path = join(dir, `c${fileCount++ % 8}.${ext}`);
  writeFileSync(path, text);
  return onlyGradstreamErrors(() => {
    const loaded = loadConfigFile(path);
    const merged = mergeConfig(loaded, { optimizer: { lr: 0.01 }, model: { hidden: [8] } });
    validates(merged);
  });
}

describe('config fuzz', () => {
  it('validateConfig: arbitrary values (fc.jsonValue, fc.anything, and either under the config’s sections)', () => {
    const sections = fc.record(
      { model: fc.anything(), optimizer: fc.anything(), data: fc.anything(), batchSize: fc.anything() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), sections), (v) => validates(v)),
      fuzzParameters(),
    );
  });

  it('validateConfig: valid and mutated configs, half of them sized against the MNIST files’ headers', () => {
    // checkFiles reads four headers and sizes the run (huge batches, layers, lanes): still only results.
    const huge = fc.record({
      batchSize: fc.oneof(fc.integer({ min: 1 }), fc.constantFrom(2 ** 53 - 1, 1e12)),
      model: fc.record({
        hidden: fc.array(fc.oneof(fc.integer({ min: 1 }), fc.constant(2 ** 53 - 1)), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
      workers: fc.integer({ min: 1, max: 64 }),
      microBatches: fc.integer({ min: 1, max: 8 }),
      mode: fc.constantFrom('sync', 'async'),
      staleness: fc.integer({ min: 1, max: 16 }),
    });
    fc.assert(
      fc.property(fc.oneof(validConfig, mutatedConfig, huge), fc.boolean(), (v, checkFiles) =>
        validates(v, checkFiles),
      ),
      fuzzParameters(),
    );
  });

  it('loadConfigFile: arbitrary text as YAML and as JSON files', () => {
    fc.assert(
      fc.property(fileText, fc.constantFrom('yaml' as const, 'json' as const), (text, ext) =>
        loadsAsFile(text, ext),
      ),
      fuzzParameters(),
    );
  });
});
