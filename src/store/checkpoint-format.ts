// The checkpoint file format: magic, version, a JSON header, raw little-endian float32 arrays, and a
// SHA-256 of everything before it. Encoding and checked decoding only; files are checkpoint.ts's job.

import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { GradstreamError } from '../errors.js';
import type { MlpSpec } from '../nn/mlp.js';
import type { RngState } from '../random/rng.js';

/** 8 bytes; the CR LF (as in PNG) also catches a file mangled by newline conversion. */
export const CHECKPOINT_MAGIC = Buffer.from('GSCKPT\r\n', 'latin1');
/** The format version this code writes and reads. */
export const CHECKPOINT_VERSION = 1;
const PREFIX_BYTES = 16; // magic, u32 version, u32 header length
const HASH_BYTES = 32;

/** Where the data loader stands: the shuffle of an epoch is recomputed from `seed` and `epoch`. */
export interface DataCursor {
  readonly epoch: number;
  /** Samples of this epoch already consumed. */
  readonly position: number;
  readonly seed: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface Checkpoint {
  /** Training steps taken. */
  readonly step: number;
  /** Optimizer updates applied (skipped steps excluded): Adam's bias-correction t. */
  readonly updates: number;
  /** The learning-rate schedule's position (the count it is evaluated at; usually `updates`). */
  readonly scheduleCount: number;
  readonly params: Float32Array;
  /** Non-trained buffers: batch-norm running means and variances. */
  readonly buffers: Float32Array;
  /** Every optimizer slot by name (e.g. `scaleByAdam.mu`), each as long as `params`. */
  readonly slots: Readonly<Record<string, Float32Array>>;
  readonly rng: RngState;
  readonly cursor: DataCursor;
  readonly model: MlpSpec;
  /** The run's resolved config (plain JSON). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Anything else the runner wants back (plain JSON), e.g. `{ runId, elapsedMs }`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

interface ArrayEntry {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

type Header = Omit<Checkpoint, 'params' | 'buffers' | 'slots'> & {
  readonly format: 'gradstream-checkpoint';
  readonly endian: 'LE';
  readonly arrays: readonly ArrayEntry[];
  readonly payloadBytes: number;
};

const SLOT_PREFIX = 'slot/';
const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** A checkpoint-format error naming the file and the problem. */
export function checkpointError(source: string, problem: string): GradstreamError {
  return new GradstreamError('ERR_CHECKPOINT', `checkpoint ${source}: ${problem}`, {
    cause: { source, problem },
  });
}

/**
 * The bytes of a checkpoint, as chunks to write in order. Arrays are copied first, so a writer
 * touching shared memory meanwhile cannot make the checksum disagree with the data.
 */
export function encodeCheckpoint(c: Checkpoint): Buffer[] {
  if (endianness() !== 'LE') throw checkpointError('(encode)', 'big-endian platforms are not supported');
  const named: [string, Float32Array][] = [
    ['params', c.params],
    ['buffers', c.buffers],
    ...Object.entries(c.slots).map(([name, a]): [string, Float32Array] => [SLOT_PREFIX + name, a]),
  ];
  const arrays: ArrayEntry[] = [];
  const payload: Buffer[] = [];
  let offset = 0;
  for (const [name, a] of named) {
    arrays.push({ name, offset, length: a.length });
    payload.push(Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
    const padded = align8(a.byteLength);
    if (padded > a.byteLength) payload.push(Buffer.alloc(padded - a.byteLength));
    offset += padded;
  }
  const { params: _p, buffers: _b, slots: _s, ...meta } = c;
  const header: Header = {
    format: 'gradstream-checkpoint',
    endian: 'LE',
    ...meta,
    arrays,
    payloadBytes: offset,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  CHECKPOINT_MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(CHECKPOINT_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  const pad = Buffer.alloc(align8(PREFIX_BYTES + json.length) - PREFIX_BYTES - json.length);
  const chunks = [prefix, json, pad, ...payload];
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  chunks.push(hash.digest());
  return chunks;
}

function parseHeader(bytes: Buffer, source: string): { header: Header | undefined; length: number } {
  const length = bytes.readUInt32LE(12);
  if (PREFIX_BYTES + length + HASH_BYTES > bytes.length) {
    throw checkpointError(
      source,
      `truncated: the header alone needs ${PREFIX_BYTES + length} bytes, the file has ${bytes.length}`,
    );
  }
  try {
    return { header: JSON.parse(bytes.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + length)), length };
  } catch {
    return { header: undefined, length };
  }
}

/**
 * Decodes and verifies a checkpoint: magic, version, size, checksum, then the array table.
 *
 * @throws GradstreamError `ERR_CHECKPOINT` naming `source` and what is wrong.
 */
export function decodeCheckpoint(bytes: Buffer, source: string): Checkpoint {
  if (bytes.length < PREFIX_BYTES + HASH_BYTES)
    throw checkpointError(source, `truncated: only ${bytes.length} bytes`);
  if (!bytes.subarray(0, 8).equals(CHECKPOINT_MAGIC))
    throw checkpointError(source, 'not a gradstream checkpoint (bad magic)');
  const version = bytes.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) {
    throw checkpointError(
      source,
      `format version ${version} is not supported (this gradstream reads ${CHECKPOINT_VERSION})`,
    );
  }
  const { header, length } = parseHeader(bytes, source);
  const payloadStart = align8(PREFIX_BYTES + length);
  if (header && Number.isInteger(header.payloadBytes)) {
    const expected = payloadStart + header.payloadBytes + HASH_BYTES;
    if (expected !== bytes.length) {
      throw checkpointError(
        source,
        `${expected > bytes.length ? 'truncated' : 'too long'}: expected ${expected} bytes, found ${bytes.length}`,
      );
    }
  }
  const body = bytes.subarray(0, bytes.length - HASH_BYTES);
  if (
    !createHash('sha256')
      .update(body)
      .digest()
      .equals(bytes.subarray(bytes.length - HASH_BYTES))
  ) {
    throw checkpointError(source, 'checksum mismatch: the file is corrupt');
  }
  if (header?.format !== 'gradstream-checkpoint')
    throw checkpointError(source, 'the header is not a checkpoint header');
  const arrays = new Map<string, Float32Array>();
  for (const e of header.arrays) {
    const start = payloadStart + e.offset;
    const end = start + e.length * 4;
    if (!Number.isInteger(e.length) || e.offset % 8 !== 0 || end > body.length) {
      throw checkpointError(source, `array "${e.name}" lies outside the payload`);
    }
    // Copy into a fresh, aligned buffer: the file buffer's offset need not be a multiple of 4.
    arrays.set(
      e.name,
      new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + end)),
    );
  }
  const params = arrays.get('params');
  const buffers = arrays.get('buffers');
  if (!params || !buffers) throw checkpointError(source, 'the params or buffers array is missing');
  const slots: Record<string, Float32Array> = {};
  for (const [name, a] of arrays) if (name.startsWith(SLOT_PREFIX)) slots[name.slice(SLOT_PREFIX.length)] = a;
  const { format: _f, endian: _e, arrays: _a, payloadBytes: _b, ...meta } = header;
  return { ...meta, params, buffers, slots };
}
