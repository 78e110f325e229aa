import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkOptimizerCase,
  checkOptimizerCaseFile,
  OPTIMIZER_TOLERANCE,
  relativeError,
  runOptimizerCase,
} from '../../src/reference/optimizer-case.js';

const raw = JSON.parse(readFileSync(new URL('../fixtures/optimizers.torch.json', import.meta.url), 'utf8'));
const file = checkOptimizerCaseFile(raw);

describe('runOptimizerCase', () => {
  it('covers every named optimizer, both schedules and clipping', () => {
    const names = new Set(file.cases.map((c) => c.optimizer.name));
    expect([...names].sort()).toEqual(['adagrad', 'adam', 'adamw', 'momentum', 'nesterov', 'rmsprop', 'sgd']);
    expect(file.cases.filter((c) => c.schedule).map((c) => c.schedule?.name)).toEqual(['step', 'cosine']);
    expect(file.cases.some((c) => c.clipGlobalNorm !== undefined)).toBe(true);
  });

  it.each(file.cases)('matches torch for $name', (c) => {
    const result = runOptimizerCase(c);
    expect(result.maxRelErr, `worst at ${result.worst}`).toBeLessThanOrEqual(OPTIMIZER_TOLERANCE);
    expect(result.pass).toBe(true);
  });

  it('fails a case whose trajectory is off', () => {
    const c = file.cases[0];
    const last = c.trajectory.length - 1;
    const nudged = c.trajectory.map((x, t) => (t === last ? [x[0] * (1 + 1e-3), x[1]] : x));
    const result = runOptimizerCase({ ...c, trajectory: nudged });
    expect(result.pass).toBe(false);
    expect(result.worst).toBe(`trajectory[${last}][0]`);
  });
});

describe('relativeError', () => {
  it('is relative above 0.1 and absolute below', () => {
    // |10.001 − 10| / 10 = 1e-4; |0.00001 − 0| / 0.1 = 1e-4
    expect(relativeError(10.001, 10)).toBeCloseTo(1e-4, 10);
    expect(relativeError(1e-5, 0)).toBeCloseTo(1e-4, 10);
    expect(relativeError(Number.NaN, 0)).toBe(Infinity);
  });
});

describe('checkOptimizerCase', () => {
  const good = raw.cases[4];
  const broken = (patch: Record<string, unknown>) => () => checkOptimizerCase({ ...good, ...patch }, 4);

  it('accepts the committed cases', () => {
    expect(file.cases).toHaveLength(raw.cases.length);
  });

  it('names the case and the field of a malformed file', () => {
    expect(broken({ trajectory: good.trajectory.slice(1) })).toThrow(
      'optimizer reference case "sgd-quad": trajectory must have 30 points',
    );
    expect(broken({ problem: { ...good.problem, b: [1, 2] } })).toThrow(
      'case "sgd-quad": problem.b must have 6 numbers, got 2',
    );
    expect(broken({ problem: { kind: 'cube', x0: [1] } })).toThrow(
      'problem.kind must be book2d or quadratic, got "cube"',
    );
    expect(broken({ optimizer: { name: 'sgd', lr: -1 } })).toThrow(
      'optimizer.lr must be a positive number, got -1',
    );
    // A schedule with no formula here runs from lr_per_step, so the case must carry it.
    expect(broken({ schedule: { name: 'linear' }, lr_per_step: undefined })).toThrow('lr_per_step');
    expect(broken({ schedule: { name: 7 } })).toThrow('schedule.name must be a string, got 7');
    expect(broken({ steps: 2.5 })).toThrow('steps must be a positive integer, got 2.5');
    expect(broken({})).not.toThrow();
    expect(broken({ steps: 0 })).toThrow(expect.objectContaining({ code: 'ERR_DATA_FORMAT' }));
    expect(() => checkOptimizerCaseFile({ source: 'x' })).toThrow(
      'optimizer reference file: must be an object with a cases array',
    );
    expect(() => checkOptimizerCase(null, 7)).toThrow('optimizer reference case #7: is not an object');
  });
});
