import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFields, configTable } from '../../src/config/describe.js';

describe('configFields', () => {
  it('lists every leaf field with its default and allowed values', () => {
    const fields = new Map(configFields().map((f) => [f.path, f]));
    expect(fields.get('optimizer.lr')).toEqual({
      path: 'optimizer.lr',
      default: '0.001',
      derivedDefault: undefined,
      allowed: 'a number in [2^-126, 1000]',
      flag: '--lr <rate>',
      resume: 'warn',
      description: 'learning rate (the schedule’s start)',
    });
    expect(fields.get('model.hidden')).toMatchObject({ default: undefined, resume: 'fixed' });
    expect(fields.get('model.hidden')?.derivedDefault).toMatch(/100, 100/);
    expect(fields.get('checkpoint.keep')?.default).toBe('3');
    expect(fields.get('steps')?.default).toBeUndefined();
    expect(fields.has('model')).toBe(false);
    for (const f of fields.values()) expect(f.description, f.path).not.toBe('');
  });
});

describe('configTable', () => {
  it('is the table docs/runs.md shows (regenerate the doc when the schema changes)', () => {
    const doc = readFileSync(new URL('../../docs/runs.md', import.meta.url), 'utf8');
    expect(doc).toContain(configTable());
  });
});
