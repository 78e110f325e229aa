import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, mergeConfig } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradstream-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfigFile', () => {
  it('reads JSON and YAML to the same object', () => {
    const json = file('a.json', '{ "optimizer": { "name": "sgd", "lr": 0.1 }, "batchSize": 32 }');
    const yaml = file('a.yaml', 'optimizer:\n  name: sgd\n  lr: 0.1\nbatchSize: 32\n');
    expect(loadConfigFile(json)).toEqual({ optimizer: { name: 'sgd', lr: 0.1 }, batchSize: 32 });
    expect(loadConfigFile(yaml)).toEqual(loadConfigFile(json));
    expect(loadConfigFile(file('empty.yml', ''))).toEqual({});
  });

  it('makes relative data and store paths absolute against the file’s folder', () => {
    mkdirSync(join(tmp, 'jobs'), { recursive: true });
    const path = file(
      'jobs/job.yaml',
      'data:\n  images: ../imgs\n  labels: /abs/labels\nstore:\n  dir: out\n',
    );
    expect(loadConfigFile(path)).toEqual({
      data: { images: join(tmp, 'imgs'), labels: '/abs/labels' },
      store: { dir: join(tmp, 'jobs', 'out') },
    });
  });

  it('names the file for missing, unparsable and non-object files', () => {
    expect(() => loadConfigFile(join(tmp, 'none.json'))).toThrow(
      `config file ${join(tmp, 'none.json')}: file not found`,
    );
    expect(() => loadConfigFile(file('bad.json', '{ "a": '))).toThrow(
      /config file .*bad\.json: invalid JSON/,
    );
    expect(() => loadConfigFile(file('bad.yaml', 'a: [1, 2'))).toThrow(
      /config file .*bad\.yaml: invalid YAML/,
    );
    expect(() => loadConfigFile(file('list.yaml', '- 1\n- 2\n'))).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: expect.stringMatching(/must hold an object, got \[1,2\]$/),
      }),
    );
  });
});

describe('mergeConfig', () => {
  it('lets flags override the file field by field, ignoring flags not given', () => {
    const merged = mergeConfig(
      { optimizer: { name: 'sgd', lr: 0.1 }, batchSize: 32, epochs: 5 },
      { optimizer: { lr: 0.01 }, batchSize: undefined, seed: 7 },
    );
    expect(merged).toEqual({ optimizer: { name: 'sgd', lr: 0.01 }, batchSize: 32, epochs: 5, seed: 7 });
  });

  it('replaces arrays and schedules whole, and drops the file’s conflicting alternative', () => {
    expect(mergeConfig({ model: { hidden: [1, 2, 3] } }, { model: { hidden: [4] } })).toEqual({
      model: { hidden: [4] },
    });
    expect(
      mergeConfig({ model: { sizes: [784, 50, 10], dropout: 0.5 } }, { model: { hidden: [20] } }),
    ).toEqual({
      model: { dropout: 0.5, hidden: [20] },
    });
    expect(mergeConfig({ data: { dir: '/mnist' } }, { data: { images: '/i', labels: '/l' } })).toEqual({
      data: { images: '/i', labels: '/l' },
    });
    const both = mergeConfig({}, { model: { hidden: [20], sizes: [784, 10] } });
    expect(validateConfig(both).ok).toBe(false);
  });

  it('does not modify its inputs', () => {
    const base = { model: { hidden: [1] } };
    mergeConfig(base, { model: { sizes: [784, 10] } });
    expect(base).toEqual({ model: { hidden: [1] } });
  });
});
