import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

describe('loadConfigFile refuses files that are no config, in one short line', () => {
  /** The GradstreamError `fn` throws (any other exception fails the test). */
  function refusal(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      expect((error as { code?: unknown }).code, String(error)).toBe('ERR_INVALID_OPTION');
      return (error as Error).message;
    }
    throw new Error('expected a refusal');
  }

  it('refuses an empty YAML file like an empty JSON file', () => {
    // Before: the empty YAML file was an empty config (a default run started); the JSON one was refused.
    for (const name of ['empty.yaml', 'empty.json', 'blank.yml', 'comments.yaml']) {
      const path = file(
        name,
        name === 'comments.yaml' ? '# nothing here\n' : name === 'blank.yml' ? '\n  \n' : '',
      );
      expect(refusal(() => loadConfigFile(path))).toBe(
        `config file ${path}: is empty; it must hold an object of settings, e.g. { "epochs": 5 }`,
      );
    }
  });

  it('refuses 200,000 levels of nested JSON in one line, without overflowing the stack', () => {
    // Before: JSON.parse took it, and a later recursion overflowed the stack (a RangeError's trace).
    const path = file('deep.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(refusal(() => loadConfigFile(path))).toBe(
      `config file ${path}: nested more than 64 levels deep (a config needs 4)`,
    );
    const yaml = file('deep.yaml', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'));
    // The YAML parser may refuse it itself or hand it on to the depth rule: one line either way.
    expect(refusal(() => loadConfigFile(yaml))).toMatch(
      new RegExp(`^config file ${yaml}: (invalid YAML: |nested more than 64 levels deep)`),
    );
  });

  it('reports a garbage binary YAML file in one short line', () => {
    // Before: the 64 KB of bytes parsed as one string, and the message quoted all of it.
    const bytes = new Uint8Array(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 8) * 7) & 0xff;
    const path = join(tmp, 'garbage.yaml');
    writeFileSync(path, bytes);
    const message = refusal(() => loadConfigFile(path));
    expect(message).toMatch(new RegExp(`^config file ${path}: `));
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(path.length + 200);
  });

  it('prints no YAML warnings of its own (an unknown tag or directive is no extra line on stderr)', async () => {
    // Found by test/fuzz/config: yaml emitted process warnings, several lines each, for such files.
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      expect(loadConfigFile(file('tag.yaml', 'epochs: !!bina 2\n'))).toEqual({ epochs: '2' });
      expect(refusal(() => loadConfigFile(file('directive.yaml', '%FOO bar\n---\n[1]\n')))).toMatch(
        /must hold an object/,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it('refuses what is no regular file, or too large to be a config, without reading it', () => {
    // Before: /dev/zero was read until memory ran out.
    const zero = join(tmp, 'zero.yaml');
    symlinkSync('/dev/zero', zero);
    expect(refusal(() => loadConfigFile(zero))).toBe(
      `config file ${zero}: not a regular file (a character device)`,
    );
    expect(refusal(() => loadConfigFile(tmp))).toBe(`config file ${tmp}: not a regular file (a folder)`);
    const big = file('big.yaml', `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    expect(refusal(() => loadConfigFile(big))).toBe(
      `config file ${big}: too large for a config file (2097155 bytes; at most 1048576)`,
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
