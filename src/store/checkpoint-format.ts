// The checkpoint file format: magic, version, a JSON header, raw little-endian float32 arrays, and a
// SHA-256 of everything before it. Encoding and checked decoding only: the checkpoint's own fields are
// checked by run-state.ts (`checkCheckpoint`), files are checkpoint.ts's job.

import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { describeValue } from '../errors.js';
import { type Checkpoint, checkCheckpoint, checkpointError } from './run-state.js';

export type { Checkpoint, DataCursor } from './run-state.js';
export { checkpointError };

/** 8 bytes; the CR LF (as in PNG) also catches a file mangled by newline conversion. */
export const CHECKPOINT_MAGIC = Buffer.from('GSCKPT\r\n', 'latin1');
/** The format version this code writes and reads. */
export const CHECKPOINT_VERSION = 1;
const PREFIX_BYTES = 16; // magic, u32 version, u32 header length
const HASH_BYTES = 32;

interface ArrayEntry {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

/** The framing fields of the JSON header; the checkpoint's own fields sit beside them. */
interface Framing {
  readonly format: 'gradstream-checkpoint';
  readonly endian: 'LE';
  readonly arrays: readonly ArrayEntry[];
  readonly payloadBytes: number;
}

const SLOT_PREFIX = 'slot/';
const align8 = (n: number) => Math.ceil(n / 8) * 8;

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
  const header: Framing & Omit<Checkpoint, 'params' | 'buffers' | 'slots'> = {
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

type RawHeader = Readonly<Record<string, unknown>>;

/**
 * The deepest nesting a header may have. A written header nests 5 levels (`config.optimizer.schedule`
 * and its pieces); the checks after parsing walk values recursively, and JSON.parse takes ~3 µs a
 * level, so a deeper header is refused before it is parsed.
 */
const MAX_HEADER_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = [0x5b, 0x7b]; // [ {
const CLOSE = [0x5d, 0x7d]; // ] }

/**
 * Whether the JSON text in `bytes[start, end)` nests deeper than `limit`: one pass over the bytes,
 * skipping strings (in UTF-8 these ASCII bytes never occur inside a multi-byte character).
 */
function nestsDeeperThan(bytes: Uint8Array, start: number, end: number, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN[0] || b === OPEN[1]) {
      if (++depth > limit) return true;
    } else if (b === CLOSE[0] || b === CLOSE[1]) depth--;
  }
  return false;
}

function parseHeader(bytes: Buffer, source: string): { header: RawHeader | undefined; length: number } {
  const length = bytes.readUInt32LE(12);
  if (PREFIX_BYTES + length + HASH_BYTES > bytes.length) {
    throw checkpointError(
      source,
      `truncated: the header alone needs ${PREFIX_BYTES + length} bytes, the file has ${bytes.length}`,
    );
  }
  if (nestsDeeperThan(bytes, PREFIX_BYTES, PREFIX_BYTES + length, MAX_HEADER_DEPTH))
    throw checkpointError(source, `the header nests deeper than ${MAX_HEADER_DEPTH} levels`);
  try {
    const header: unknown = JSON.parse(bytes.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + length));
    const isObject = typeof header === 'object' && header !== null && !Array.isArray(header);
    return { header: isObject ? (header as RawHeader) : undefined, length };
  } catch {
    return { header: undefined, length };
  }
}

/** The array table's entries, checked: named once each, 8-byte aligned, inside the payload. */
function arrayEntries(header: RawHeader, payloadBytes: number, source: string): ArrayEntry[] {
  if (!Array.isArray(header.arrays)) throw checkpointError(source, 'header field "arrays" must be an array');
  const seen = new Set<string>();
  return header.arrays.map((e: Partial<ArrayEntry> | null, i): ArrayEntry => {
    const name = typeof e?.name === 'string' ? e.name : `#${i}`;
    const { offset, length } = e ?? {};
    if (
      typeof e?.name !== 'string' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      (offset as number) < 0 ||
      (length as number) < 0 ||
      (offset as number) % 8 !== 0 ||
      (offset as number) + (length as number) * 4 > payloadBytes
    ) {
      throw checkpointError(source, `array "${name}" lies outside the payload`);
    }
    if (name !== 'params' && name !== 'buffers' && !name.startsWith(SLOT_PREFIX))
      throw checkpointError(source, `array "${name}" is not one this gradstream reads`);
    if (seen.has(name)) throw checkpointError(source, `array "${name}" appears twice`);
    seen.add(name);
    return { name, offset: offset as number, length: length as number };
  });
}

/**
 * Decodes and verifies a checkpoint: magic, version, size, checksum, the framing (format, byte
 * order, array table), then every field of the header and the arrays' lengths (`checkCheckpoint`).
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
  const payloadBytes = header?.payloadBytes;
  if (typeof payloadBytes === 'number' && Number.isSafeInteger(payloadBytes) && payloadBytes >= 0) {
    const expected = payloadStart + payloadBytes + HASH_BYTES;
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
  if (header.endian !== 'LE')
    throw checkpointError(source, `header field "endian" must be "LE", got ${describeValue(header.endian)}`);
  if (typeof payloadBytes !== 'number' || body.length - payloadStart !== payloadBytes)
    throw checkpointError(
      source,
      `header field "payloadBytes" must be ${body.length - payloadStart}, got ${describeValue(payloadBytes)}`,
    );
  const arrays = new Map<string, Float32Array>();
  for (const e of arrayEntries(header, payloadBytes, source)) {
    const start = payloadStart + e.offset;
    // Copy into a fresh, aligned buffer: the file buffer's offset need not be a multiple of 4.
    arrays.set(
      e.name,
      new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + e.length * 4)),
    );
  }
  const params = arrays.get('params');
  const buffers = arrays.get('buffers');
  if (!params || !buffers) throw checkpointError(source, 'the params or buffers array is missing');
  const slots: Record<string, Float32Array> = {};
  for (const [name, a] of arrays) if (name.startsWith(SLOT_PREFIX)) slots[name.slice(SLOT_PREFIX.length)] = a;
  const { format: _f, endian: _e, arrays: _a, payloadBytes: _b, ...fields } = header;
  return checkCheckpoint(fields, { params, buffers, slots }, source);
}
