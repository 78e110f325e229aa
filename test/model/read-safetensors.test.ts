// readSafetensors: a file gradstream wrote reads back tensor for tensor; a truncated file, offsets
// that leave the data, overlap, leave a hole or disagree with the shape, a dtype other than F32/I64
// and a header that is not JSON are each one ERR_DATA_FORMAT naming the file and what is wrong.

import { describe, expect, it } from 'vitest';
import { GradstreamError } from '../../src/errors.js';
import { encodeSafetensors, type NamedTensor } from '../../src/export/safetensors.js';
import { readSafetensors } from '../../src/model/read-safetensors.js';

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const tensors: NamedTensor[] = [
  { name: 'w', dtype: 'F32', shape: [2, 3], bytes: f32([1, 2, 3, 4, 5, 6]) },
  { name: 'b', dtype: 'F32', shape: [3], bytes: f32([-1, 0.5, 1e-7]) },
  { name: 'n', dtype: 'I64', shape: [], bytes: new Uint8Array(new BigInt64Array([42n]).buffer) },
];
const file = () => new Uint8Array(encodeSafetensors(tensors, { model: '{"kind":"mlp"}' }));

/** A file with `header` as its JSON and `data` after it (no padding). */
function withHeader(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function refusal(bytes: Uint8Array): string {
  try {
    readSafetensors(bytes, 'm.safetensors');
  } catch (error) {
    expect(error).toBeInstanceOf(GradstreamError);
    expect((error as GradstreamError).code).toBe('ERR_DATA_FORMAT');
    const { message } = error as Error;
    expect(message).not.toContain('\n');
    expect(message.startsWith('safetensors m.safetensors: ')).toBe(true);
    return message;
  }
  throw new Error('expected a refusal');
}

describe('readSafetensors', () => {
  it('reads back every tensor, its shape and the metadata', () => {
    const { tensors: read, metadata } = readSafetensors(file(), 'm.safetensors');
    expect(metadata).toEqual({ model: '{"kind":"mlp"}' });
    expect([...read.keys()]).toEqual(['w', 'b', 'n']);
    const w = read.get('w')!;
    expect(w.shape).toEqual([2, 3]);
    expect(Array.from(w.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(read.get('b')!.data as Float32Array)).toEqual(
      Array.from(new Float32Array([-1, 0.5, 1e-7])),
    );
    expect(read.get('n')!.dtype).toBe('I64');
    expect(Array.from(read.get('n')!.data as BigInt64Array)).toEqual([42n]);
  });

  it('copies a tensor whose bytes are not 4-byte aligned instead of failing to view it', () => {
    const bytes = file();
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(Array.from(readSafetensors(shifted).tensors.get('w')!.data as Float32Array)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });

  it('refuses a truncated file at any length, naming what is missing', () => {
    const bytes = file();
    for (const length of [0, 7]) expect(refusal(bytes.subarray(0, length))).toMatch(/truncated: \d+ bytes/);
    expect(refusal(bytes.subarray(0, 40))).toMatch(/header length \d+ exceeds the 32 bytes after it/);
    // The header whole, the data cut: the last tensor's offsets leave the data.
    expect(refusal(bytes.subarray(0, bytes.length - 4))).toMatch(
      /tensor n: data_offsets \[36, 44\] lie outside the 40 data bytes/,
    );
  });

  it('refuses offsets that disagree with the shape, overlap, leave a hole or trailing bytes', () => {
    const data = new Uint8Array(16);
    expect(refusal(withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data))).toBe(
      'safetensors m.safetensors: tensor a: data_offsets [0, 16] hold 16 bytes, shape [3] of F32 needs 12',
    );
    expect(
      refusal(
        withHeader(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          new Uint8Array(12),
        ),
      ),
    ).toMatch(/tensor b: data_offsets overlap/);
    expect(refusal(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, data))).toMatch(
      /tensor a: a hole of 8 bytes before its data/,
    );
    expect(refusal(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data))).toMatch(
      /8 bytes after the last tensor's data/,
    );
    expect(refusal(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 4] } }, data))).toMatch(
      /tensor a: data_offsets \[8, 4\] lie outside/,
    );
    expect(refusal(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, data))).toMatch(
      /tensor a: data_offsets must be \[begin, end\] integers ≥ 0, got \[0\]/,
    );
    expect(refusal(withHeader({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, data))).toMatch(
      /tensor a: shape must be an array of integers ≥ 0/,
    );
  });

  it('refuses a dtype other than F32 and I64, naming the allowed ones', () => {
    expect(
      refusal(withHeader({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4))),
    ).toBe('safetensors m.safetensors: tensor a: dtype must be one of F32, I64, got "F16"');
  });

  it('refuses a header that is not a JSON object, and metadata that is not strings', () => {
    const bytes = file();
    bytes[8] = 0x5b; // '[' where '{' was
    expect(refusal(bytes)).toMatch(/header is not UTF-8 JSON/);
    expect(refusal(withHeader([1, 2]))).toMatch(/header must be a JSON object, got \[1,2\]/);
    expect(refusal(withHeader({ __metadata__: { step: 3 } }))).toBe(
      'safetensors m.safetensors: __metadata__.step must be a string, got 3',
    );
  });
});
