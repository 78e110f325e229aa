// Fuzzes the IDX reader: arbitrary bytes, and mutations of valid small IDX files of every element
// type (bit flips, truncations, splices, header fields set to huge, zero or "negative" values, wrong
// magic, type and dims count). `parseIdx` on the bytes, and `readIdxFile`, `readIdxHeader` and
// `readIdxDataset` on them written to a file, must return or throw a GradstreamError — never another
// exception, never a hang — and never allocate what a header claims beyond what the file holds.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type IdxArray, parseIdx, readIdxFile, readIdxHeader } from '../../src/data/idx.js';
import { readIdxDataset } from '../../src/data/mnist.js';
import { fuzzParameters, onlyGradstreamErrors } from './fuzz-runs.js';

// On tmpfs where there is one: 20,000 small files are written per property, and a disk shared with
// other jobs made that the bulk of the time.
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gradstream-idx-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Type codes with their element sizes; 0x0A, 0x00 and 0xFF are not IDX types. */
const TYPES: readonly (readonly [number, number])[] = [
  [0x08, 1],
  [0x09, 1],
  [0x0b, 2],
  [0x0c, 4],
  [0x0d, 4],
  [0x0e, 8],
];

/** A valid IDX file: 1–3 small dims, any type, random body bytes. */
const validIdx = fc
  .record({
    type: fc.constantFrom(...TYPES),
    dims: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
    seed: fc.integer(),
  })
  .map(({ type: [code, size], dims, seed }) => {
    const count = dims.reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(4 + 4 * dims.length + count * size);
    const view = new DataView(bytes.buffer);
    bytes[2] = code;
    bytes[3] = dims.length;
    dims.forEach((d, i) => {
      view.setUint32(4 + 4 * i, d, false);
    });
    for (let i = 4 + 4 * dims.length; i < bytes.length; i++) bytes[i] = (seed + i * 2654435761) >>> 24;
    return bytes;
  });

/** Header values that break parsers: huge, zero, "negative" (as uint32), off by one. */
const edgeUint32 = fc.constantFrom(0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 60000, 1 << 24);

type Mutation = (bytes: Uint8Array) => Uint8Array;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Flip one bit anywhere.
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => (b: Uint8Array) => {
    const out = b.slice();
    if (out.length > 0) out[at % out.length] ^= 1 << bit;
    return out;
  }),
  // Truncate.
  fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % (b.length + 1))),
  // Append bytes.
  fc.uint8Array({ maxLength: 40 }).map((tail) => (b: Uint8Array) => Uint8Array.from([...b, ...tail])),
  // Splice arbitrary bytes in.
  fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 12 })).map(([at, bytes]) => (b: Uint8Array) => {
    const cut = at % (b.length + 1);
    return Uint8Array.from([...b.subarray(0, cut), ...bytes, ...b.subarray(cut)]);
  }),
  // Set one header dim to an edge value.
  fc.tuple(fc.nat(), edgeUint32).map(([which, value]) => (b: Uint8Array) => {
    const out = b.slice();
    const rank = out[3] ?? 0;
    if (rank === 0 || out.length < 8) return out;
    const at = 4 + 4 * (which % rank);
    if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, value, false);
    return out;
  }),
  // Wrong magic, type code or dims count.
  fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }))
    .map(([at, value]) => (b: Uint8Array) => {
      const out = b.slice();
      if (at < out.length) out[at] = value;
      return out;
    }),
);

/** A valid file put through 1–4 mutations. */
const mutatedIdx = fc
  .tuple(validIdx, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([bytes, steps]) => steps.reduce<Uint8Array>((b, step) => step(b), bytes));

/** Anything: arbitrary bytes, mostly short, sometimes with a plausible start. */
const arbitraryBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([0, 0, ...b])),
);

/** What a parsed file may hold: no more elements than the bytes after its header. */
function checkParsed(parsed: IdxArray, fileBytes: number): void {
  const count = parsed.dims.reduce((a, b) => a * b, 1);
  expect(parsed.data.length).toBe(count);
  expect(parsed.data.byteLength).toBeLessThanOrEqual(2 * fileBytes);
}

function parses(bytes: Uint8Array): boolean {
  return onlyGradstreamErrors(() => checkParsed(parseIdx(bytes, 'fuzz.idx'), bytes.length));
}

let fileCount = 0;
/** Writes `bytes` to a fresh file and runs the file readers on it. */
function readsAsFile(bytes: Uint8Array): boolean {
  const path = join(dir, `f${fileCount++ % 8}`);
  writeFileSync(path, bytes);
  onlyGradstreamErrors(() => checkParsed(readIdxFile(path), bytes.length));
  onlyGradstreamErrors(() => {
    const header = readIdxHeader(path);
    expect(header.headerBytes + header.dataBytes).toBe(bytes.length);
  });
  return true;
}

/** Labels for `images`, written next to them: a valid 1-dim ubyte file of `n` labels below 10. */
function pairWith(images: Uint8Array, labels: Uint8Array): boolean {
  const imagesPath = join(dir, 'pair-images');
  const labelsPath = join(dir, 'pair-labels');
  writeFileSync(imagesPath, images);
  writeFileSync(labelsPath, labels);
  return onlyGradstreamErrors(() => {
    const ds = readIdxDataset(imagesPath, labelsPath, 'fuzz');
    expect(ds.x.length).toBe(ds.n * ds.features);
    for (const v of ds.x) expect(Number.isFinite(v)).toBe(true);
  });
}

const labelsFile = (n: number) => {
  const bytes = new Uint8Array(8 + n);
  bytes[2] = 0x08;
  bytes[3] = 1;
  new DataView(bytes.buffer).setUint32(4, n, false);
  for (let i = 0; i < n; i++) bytes[8 + i] = i % 10;
  return bytes;
};

describe('IDX reader fuzz', () => {
  it('parseIdx: arbitrary bytes give a parse or a GradstreamError', () => {
    fc.assert(fc.property(arbitraryBytes, parses), fuzzParameters());
  });

  it('parseIdx: mutated valid files give a parse or a GradstreamError, never an allocation past the bytes', () => {
    fc.assert(fc.property(mutatedIdx, parses), fuzzParameters());
  });

  it('readIdxFile and readIdxHeader: mutated and arbitrary files on disk', () => {
    fc.assert(fc.property(fc.oneof(mutatedIdx, arbitraryBytes), readsAsFile), fuzzParameters());
  });

  it('readIdxDataset: mutated image files (float ones with NaN and ∞ too) against valid labels', () => {
    const floatsWithEdges = fc
      .tuple(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.float({ noDefaultInfinity: false }), { minLength: 20, maxLength: 20 }),
      )
      .map(([n, features, values]) => {
        const bytes = new Uint8Array(12 + 4 * n * features);
        const view = new DataView(bytes.buffer);
        bytes[2] = 0x0d;
        bytes[3] = 2;
        view.setUint32(4, n, false);
        view.setUint32(8, features, false);
        for (let i = 0; i < n * features; i++) view.setFloat32(12 + 4 * i, values[i % values.length], false);
        return bytes;
      });
    const images = fc.oneof(
      mutatedIdx,
      validIdx,
      floatsWithEdges,
      floatsWithEdges.chain((b) => mutation.map((m) => m(b))),
    );
    fc.assert(
      fc.property(images, fc.integer({ min: 1, max: 6 }), (bytes, n) => pairWith(bytes, labelsFile(n))),
      fuzzParameters(),
    );
  });
});
