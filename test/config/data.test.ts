import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunData } from '../../src/config/data.js';
import { parseConfig } from '../../src/config/validate.js';
import { GradstreamError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-run-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A ubyte IDX file: dims as single bytes are enough for these small shapes. */
function write(name: string, dims: number[], body: number[]): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    Uint8Array.from([0, 0, 0x08, dims.length, ...dims.flatMap((d) => [0, 0, 0, d]), ...body]),
  );
  return path;
}

const images = (name: string, n: number, features: number) =>
  write(name, [n, features], new Array<number>(n * features).fill(7));
const labels = (name: string, n: number) => write(name, [n], new Array<number>(n).fill(3));

describe('loadRunData', () => {
  it('loads an IDX pair, splits validation off and keeps the test set', () => {
    const config = parseConfig(
      {
        model: { sizes: [4, 3, 10] },
        data: {
          images: images('train-images', 20, 4),
          labels: labels('train-labels', 20),
          testImages: images('test-images', 5, 4),
          testLabels: labels('test-labels', 5),
          validation: 0.25,
        },
      },
      { checkFiles: false },
    );
    const data = loadRunData(config);
    expect([data.train.n, data.validation?.n, data.test?.n]).toEqual([15, 5, 5]);
    expect([data.train.features, data.test?.features]).toEqual([4, 4]);
  });

  it('refuses a test set whose feature count is not the training set’s, naming the file', () => {
    // Before: the test set loaded, and the run failed (or evaluated garbage) far from the cause.
    const testImages = images('test-images-5', 5, 5);
    const config = parseConfig(
      {
        model: { sizes: [4, 3, 10] },
        data: {
          images: images('train-images-4', 20, 4),
          labels: labels('train-labels-4', 20),
          testImages,
          testLabels: labels('test-labels-5', 5),
        },
      },
      { checkFiles: false },
    );
    expect(() => loadRunData(config)).toThrow(
      `data.testImages: ${testImages}: 5 features per sample, but the training images have 4`,
    );
  });

  it('blames data.validation when the fraction leaves a part empty', () => {
    // Before: "splitValidation: fraction must be …", naming a function the user never called.
    const config = parseConfig(
      { data: { images: images('tiny-images', 3, 2), labels: labels('tiny-labels', 3), validation: 0.9 } },
      { checkFiles: false },
    );
    let error: unknown;
    try {
      loadRunData(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GradstreamError);
    expect((error as Error).message).toBe(
      'data.validation: must leave at least 1 sample in each part of the 3 training samples, got 0.9 (3 held out, 0 left to train on)',
    );
  });
});
