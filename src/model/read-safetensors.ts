// Reads a safetensors file (https://github.com/huggingface/safetensors) from its bytes: 8 bytes
// (little-endian u64: the header's length), a JSON header (name → dtype, shape, data_offsets;
// `__metadata__`: strings), then the tensors' bytes. Every offset is checked against the file before a
// view is made, so a truncated or edited file is one error naming the file and the field, never a
// RangeError or a tensor that reads another tensor's bytes.

import { describeValue, GradstreamError } from '../errors.js';

/** The dtypes gradstream reads: float32 tensors, and int64 (batch norm's `num_batches_tracked`). */
export const SAFETENSORS_DTYPES = ['F32', 'I64'] as const;

/** One tensor of a file: `data` views the file's bytes when they are aligned, else a copy. */
export type SafetensorsTensor =
  | { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'I64'; readonly shape: readonly number[]; readonly data: BigInt64Array };

/** A file's tensors by name, and its `__metadata__` (empty when it has none). */
export interface Safetensors {
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The spec's limit on the header (100 MB): a larger length is a damaged file, not a header to read. */
const MAX_HEADER = 100_000_000;

/** `ERR_DATA_FORMAT`: "safetensors FILE: problem". */
export function safetensorsError(source: string, problem: string): GradstreamError {
  return new GradstreamError('ERR_DATA_FORMAT', `safetensors ${source}: ${problem}`, {
    cause: { source, problem },
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Parses a safetensors file. Checks the header length against the file, the header's JSON, each
 * entry's dtype (F32 or I64), shape and offsets (inside the data, the size its shape and dtype imply,
 * back to back without holes or overlaps, to the end of the file), and the metadata's values (strings).
 *
 * @param source names the file in errors (its path).
 * @throws GradstreamError `ERR_DATA_FORMAT` "safetensors SOURCE: …" naming the tensor and the field.
 * @example
 * const { tensors, metadata } = readSafetensors(readFileSync('model.safetensors'), 'model.safetensors');
 * const w = tensors.get('0.weight'); // { dtype: 'F32', shape: [100, 784], data: Float32Array }
 */
export function readSafetensors(bytes: Uint8Array, source = '(bytes)'): Safetensors {
  const fail = (problem: string): never => {
    throw safetensorsError(source, problem);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, the header length alone takes 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(bytes.length - 8, MAX_HEADER)))
    fail(
      `header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it (truncated or not safetensors)`,
    );
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    fail(`header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (!isObject(header)) fail(`header must be a JSON object, got ${describeValue(header)}`);
  const { __metadata__: rawMetadata, ...entries } = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  if (rawMetadata !== undefined) {
    if (!isObject(rawMetadata))
      fail(`__metadata__ must be an object of strings, got ${describeValue(rawMetadata)}`);
    for (const [key, value] of Object.entries(rawMetadata as Record<string, unknown>)) {
      if (typeof value !== 'string')
        fail(`__metadata__.${key} must be a string, got ${describeValue(value)}`);
      metadata[key] = value as string;
    }
  }
  const dataLength = bytes.length - dataStart;
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, entry] of Object.entries(entries)) {
    if (!isObject(entry))
      fail(`tensor ${name} must be an object { dtype, shape, data_offsets }, got ${describeValue(entry)}`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (dtype !== 'F32' && dtype !== 'I64')
      fail(
        `tensor ${name}: dtype must be one of ${SAFETENSORS_DTYPES.join(', ')}, got ${describeValue(dtype)}`,
      );
    if (!Array.isArray(shape) || !shape.every(isCount))
      fail(`tensor ${name}: shape must be an array of integers ≥ 0, got ${describeValue(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
      fail(`tensor ${name}: data_offsets must be [begin, end] integers ≥ 0, got ${describeValue(offsets)}`);
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength)
      fail(
        `tensor ${name}: data_offsets [${begin}, ${end}] lie outside the ${dataLength} data bytes (truncated file?)`,
      );
    const size = dtype === 'F32' ? 4 : 8;
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * size)
      fail(
        `tensor ${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${count * size}`,
      );
    spans.push({ name, begin, end });
    // A typed view needs an aligned start; the (rare) unaligned tensor is copied instead.
    let buffer = bytes.buffer;
    let at = bytes.byteOffset + dataStart + begin;
    if (at % size !== 0) {
      buffer = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end)).buffer;
      at = 0;
    }
    const data = dtype === 'F32' ? new Float32Array(buffer, at, count) : new BigInt64Array(buffer, at, count);
    tensors.set(name, { dtype, shape: [...(shape as number[])], data } as SafetensorsTensor);
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const span of spans) {
    if (span.begin < covered) fail(`tensor ${span.name}: data_offsets overlap another tensor's`);
    if (span.begin > covered)
      fail(`tensor ${span.name}: a hole of ${span.begin - covered} bytes before its data`);
    covered = span.end;
  }
  if (covered !== dataLength) fail(`${dataLength - covered} bytes after the last tensor's data`);
  return { tensors, metadata };
}
