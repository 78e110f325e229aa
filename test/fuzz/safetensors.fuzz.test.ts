// Fuzzes the safetensors reader: arbitrary bytes, mutations of valid small files (bit flips,
// truncations, splices, the header length set to edge values) and headers built from edge values
// (dtypes, shapes, offsets of every kind). `readSafetensors` and, on what it returns,
// `weightsFromStateDict` must return or throw a GradstreamError — never another exception — and a
// returned tensor must hold exactly the elements its shape says, inside the file's bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, type NamedTensor, sequentialStateDict } from '../../src/export/safetensors.js';
import { readSafetensors, type Safetensors } from '../../src/model/read-safetensors.js';
import { weightsFromStateDict } from '../../src/model/state-dict.js';
import { mlp, mlpLayouts } from '../../src/nn/mlp.js';
import { fuzzParameters, onlyGradstreamErrors } from './fuzz-runs.js';

/** A small gradstream model: its export is the valid file most mutations start from. */
const spec = mlp({ sizes: [3, 4, 2], batchNorm: true });
const exported = (() => {
  const { params, buffers } = mlpLayouts(spec);
  const tensors = sequentialStateDict(
    spec,
    new Float32Array(params.size).fill(0.5),
    new Float32Array(buffers.size).fill(1),
    3,
  );
  return new Uint8Array(encodeSafetensors(tensors, { model: JSON.stringify(spec) }));
})();

/** A valid file of 0–4 random tensors. */
const validFile = fc
  .array(
    fc.record({
      dtype: fc.constantFrom('F32' as const, 'I64' as const),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      seed: fc.integer(),
    }),
    { maxLength: 4 },
  )
  .map((specs) => {
    const tensors: NamedTensor[] = specs.map(({ dtype, shape, seed }, i) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = new Uint8Array(count * (dtype === 'F32' ? 4 : 8));
      for (let j = 0; j < bytes.length; j++) bytes[j] = (seed + j * 2654435761) >>> 24;
      return { name: `t${i}`, dtype, shape, bytes };
    });
    return new Uint8Array(encodeSafetensors(tensors, { note: 'fuzz' }));
  });

type Mutation = (bytes: Uint8Array) => Uint8Array;
const edgeLength = fc.constantFrom(0n, 1n, 7n, 8n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 53n, 2n ** 64n - 1n);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => (b: Uint8Array) => {
    const out = b.slice();
    if (out.length > 0) out[at % out.length] ^= 1 << bit;
    return out;
  }),
  fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % (b.length + 1))),
  fc.uint8Array({ maxLength: 24 }).map((tail) => (b: Uint8Array) => Uint8Array.from([...b, ...tail])),
  fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 12 })).map(([at, bytes]) => (b: Uint8Array) => {
    const cut = at % (b.length + 1);
    return Uint8Array.from([...b.subarray(0, cut), ...bytes, ...b.subarray(cut)]);
  }),
  edgeLength.map((length) => (b: Uint8Array) => {
    const out = b.slice();
    if (out.length >= 8) new DataView(out.buffer).setBigUint64(0, length, true);
    return out;
  }),
);
const mutated = fc
  .tuple(fc.oneof(validFile, fc.constant(exported)), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([bytes, steps]) => steps.reduce<Uint8Array>((b, step) => step(b), bytes));

/** Values a header field may hold: the wrong types, edge integers, fractions, negatives. */
const edgeValue = fc.oneof(
  fc.constantFrom(
    0,
    1,
    4,
    8,
    -1,
    0.5,
    2 ** 31,
    2 ** 53,
    Number.MAX_VALUE,
    null,
    'F32',
    'I64',
    'F16',
    true,
    [],
    {},
  ),
  fc.integer({ min: -4, max: 64 }),
);
/** A header built from edge values, with some data bytes after it. */
const builtFile = fc
  .record({
    entries: fc.dictionary(
      fc.constantFrom('a', 'b', '0.weight', '__metadata__'),
      fc.oneof(
        fc.record({
          dtype: fc.oneof(fc.constantFrom('F32', 'I64', 'BF16'), edgeValue),
          shape: fc.oneof(fc.array(edgeValue, { maxLength: 3 }), edgeValue),
          data_offsets: fc.oneof(fc.array(edgeValue, { maxLength: 3 }), edgeValue),
        }),
        edgeValue,
      ),
    ),
    data: fc.uint8Array({ maxLength: 64 }),
  })
  .map(({ entries, data }) => {
    const json = new TextEncoder().encode(JSON.stringify(entries));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  });

/** A read file's tensors hold what their shapes say, inside the file. */
function checkRead(file: Safetensors, bytes: Uint8Array): void {
  for (const t of file.tensors.values()) {
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    expect(t.data.byteLength).toBeLessThanOrEqual(bytes.length);
  }
}

function reads(bytes: Uint8Array): boolean {
  return onlyGradstreamErrors(() => {
    const file = readSafetensors(bytes, 'fuzz.safetensors');
    checkRead(file, bytes);
    weightsFromStateDict(spec, file, 'fuzz.safetensors');
  });
}

describe('readSafetensors (fuzz)', () => {
  it('returns or throws a GradstreamError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), reads), fuzzParameters());
  });

  it('returns or throws a GradstreamError on mutated valid files', () => {
    fc.assert(fc.property(mutated, reads), fuzzParameters());
  });

  it('returns or throws a GradstreamError on headers of edge values', () => {
    fc.assert(fc.property(builtFile, reads), fuzzParameters());
  });

  it('reads the unmutated files back', () => {
    fc.assert(
      fc.property(validFile, (bytes) => {
        checkRead(readSafetensors(bytes), bytes);
      }),
      { numRuns: 200 },
    );
    expect(weightsFromStateDict(spec, readSafetensors(exported), 'x').params.length).toBe(
      mlpLayouts(spec).params.size,
    );
  });
});
