// Parses the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/, "file formats"):
// two zero bytes, a type code, a dims count, big-endian uint32 dims, then the data, big-endian.

import { constants as bufferConstants } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { GradstreamError } from '../errors.js';
import { nonRegularKind } from '../file-kind.js';

/** Element type names of IDX, in the order of their type codes 0x08, 0x09, 0x0B–0x0E. */
export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

/** The typed array each IDX element type decodes to. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: its element type, its dims (outermost first) and the data, row-major. */
export interface IdxArray {
  readonly type: IdxType;
  readonly dims: number[];
  readonly data: IdxData;
}

interface TypeInfo {
  readonly type: IdxType;
  readonly bytes: number;
}

const TYPES: ReadonlyMap<number, TypeInfo> = new Map([
  [0x08, { type: 'ubyte', bytes: 1 }],
  [0x09, { type: 'byte', bytes: 1 }],
  [0x0b, { type: 'short', bytes: 2 }],
  [0x0c, { type: 'int', bytes: 4 }],
  [0x0d, { type: 'float', bytes: 4 }],
  [0x0e, { type: 'double', bytes: 8 }],
]);

const TYPE_CODES = '0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double';

function formatError(source: string, problem: string, cause?: unknown): never {
  throw new GradstreamError('ERR_DATA_FORMAT', `${source}: ${problem}`, { cause: cause ?? { source } });
}

function hex(bytes: Uint8Array, count: number): string {
  let out = '0x';
  for (let i = 0; i < count && i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0');
  return out;
}

/** Reads the magic and dims, checking everything the header alone can tell. */
function parseHeader(bytes: Uint8Array, source: string): { info: TypeInfo; dims: number[]; offset: number } {
  if (bytes.length < 4)
    formatError(source, `too short: ${bytes.length} bytes, an IDX header needs at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    // 1f 8b is the gzip magic: the files are distributed as .gz and are easy to use unpacked by mistake.
    const hint =
      bytes[0] === 0x1f && bytes[1] === 0x8b ? '; is the file gzip-compressed? gunzip it first' : '';
    formatError(source, `bad magic ${hex(bytes, 4)} (expected 0x0000 then a type code)${hint}`);
  }
  const info = TYPES.get(bytes[2]);
  if (!info)
    formatError(source, `unknown type code 0x${hex(bytes.subarray(2), 1).slice(2)}; allowed: ${TYPE_CODES}`);
  const rank = bytes[3];
  if (rank === 0) formatError(source, 'dims count must be at least 1, got 0');
  const offset = 4 + 4 * rank;
  if (bytes.length < offset) {
    formatError(source, `truncated header: ${rank} dims need ${offset} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, offset);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    if (size === 0) formatError(source, `dim ${d} must be > 0, got 0`);
    dims.push(size);
  }
  return { info, dims, offset };
}

/**
 * The data bytes the dims imply, checked against the `available` bytes after the header: a shorter
 * file is truncated, a longer one has trailing bytes (refused too: a file that is not exactly what its
 * header says is not the file it claims to be).
 */
function checkDataLength(info: TypeInfo, dims: readonly number[], available: number, source: string): number {
  const count = dims.reduce((a, b) => a * b, 1);
  const dataBytes = count * info.bytes;
  if (available !== dataBytes) {
    // e.g. "60000×28×28 = 47040000" for bytes, "10 int values = 40" for a 1-dim file of ints.
    const shape = dims.length > 1 ? `${dims.join('×')} = ` : '';
    const says =
      info.bytes === 1 ? `${shape}${dataBytes}` : `${shape}${count} ${info.type} values = ${dataBytes}`;
    const what = available < dataBytes ? 'truncated' : `${available - dataBytes} trailing bytes`;
    formatError(source, `${what}: header says ${says} bytes of data, file has ${available}`);
  }
  return dataBytes;
}

/** Decodes big-endian elements into a fresh native-endian typed array (multi-byte types only). */
function decodeBigEndian(bytes: Uint8Array, offset: number, count: number, type: IdxType): IdxData {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  switch (type) {
    case 'short': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'int': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'float': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

/**
 * Parses IDX bytes. `source` names the file in error messages. ubyte and byte data are zero-copy
 * views of `bytes`; wider types are decoded from big-endian into a new array.
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` on a bad magic, unknown type, zero dim, or a length that
 *   is not exactly header + data.
 * @example
 * const { type, dims, data } = parseIdx(bytes, 'train-images-idx3-ubyte'); // 'ubyte', [60000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  const { info, dims, offset } = parseHeader(bytes, source);
  const count = dims.reduce((a, b) => a * b, 1);
  checkDataLength(info, dims, bytes.length - offset, source);
  const start = bytes.byteOffset + offset;
  if (info.type === 'ubyte')
    return { type: info.type, dims, data: new Uint8Array(bytes.buffer, start, count) };
  if (info.type === 'byte') return { type: info.type, dims, data: new Int8Array(bytes.buffer, start, count) };
  return { type: info.type, dims, data: decodeBigEndian(bytes, offset, count, info.type) };
}

/** The largest file read into one array (a Buffer's limit: 4 GiB on 64-bit Node 20). */
const MAX_READ_BYTES = bufferConstants.MAX_LENGTH;

/** The longest header: 4 bytes, then 255 dims of 4 bytes. */
const MAX_HEADER_BYTES = 4 + 4 * 255;

function cannotRead(path: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  const problem = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`;
  return formatError(path, problem, error);
}

/**
 * Opens `path` for reading if it is a regular file (links followed). The path is judged by `stat`
 * before it is opened — opening a FIFO blocks until a writer comes, and a device never ends — and
 * again by `fstat` on what was opened (non-blocking), in case the name changed in between.
 */
function openRegularFile(path: string): { readonly fd: number; readonly size: number } {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    return cannotRead(path, error);
  }
  if (!stat.isFile()) formatError(path, `not a regular file (${nonRegularKind(stat)})`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return cannotRead(path, error);
  }
  let opened: Stats;
  try {
    opened = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    return cannotRead(path, error);
  }
  if (!opened.isFile()) {
    closeSync(fd);
    formatError(path, `not a regular file (${nonRegularKind(opened)})`);
  }
  return { fd, size: opened.size };
}

/** Runs `read` on the open regular file `path`, closing it after; I/O errors name the path. */
function withRegularFile<T>(path: string, read: (fd: number, size: number) => T): T {
  const { fd, size } = openRegularFile(path);
  try {
    return read(fd, size);
  } catch (error) {
    if (error instanceof GradstreamError) throw error;
    return cannotRead(path, error);
  } finally {
    closeSync(fd);
  }
}

/** Reads into `into` from `position` until it is full or the file ends; returns the bytes read. */
function readFully(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) break;
    done += got;
  }
  return done;
}

/** An IDX file's header, checked against the file's size: what `readIdxHeader` returns. */
export interface IdxHeader {
  readonly type: IdxType;
  readonly dims: number[];
  readonly headerBytes: number;
  /** The data bytes after the header: exactly the file's size less the header. */
  readonly dataBytes: number;
}

/** Reads and checks the header of the open file `fd` of `size` bytes (at most 1,024 bytes read). */
function headerOf(
  fd: number,
  size: number,
  path: string,
): { info: TypeInfo; header: IdxHeader; head: Uint8Array } {
  const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
  const got = readFully(fd, head, 0);
  const { info, dims, offset } = parseHeader(head.subarray(0, got), path);
  const dataBytes = checkDataLength(info, dims, size - offset, path);
  return {
    info,
    header: { type: info.type, dims, headerBytes: offset, dataBytes },
    head: head.subarray(0, got),
  };
}

/**
 * Reads only the header of an IDX file and checks it against the file's size: the type and dims
 * of the data, without reading (or allocating) the data. What validation uses to size a run.
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` naming `path`: missing, not a regular file (a FIFO, a
 *   device, a folder), a bad header, or a size that is not exactly header + data.
 * @example
 * readIdxHeader('data/train-images-idx3-ubyte'); // { type: 'ubyte', dims: [60000, 28, 28], … }
 */
export function readIdxHeader(path: string): IdxHeader {
  return withRegularFile(path, (fd, size) => headerOf(fd, size, path).header);
}

/**
 * Reads and parses an IDX file (uncompressed). Errors name `path`. Only regular files are read, and
 * only as many bytes as the header implies: the header is checked against the file's size before the
 * data is allocated, and the data is read with bounded reads of exactly that size.
 *
 * @throws GradstreamError `ERR_DATA_FORMAT`, also when the file is missing, unreadable or not a
 *   regular file (the Node error, e.g. `ENOENT`, is the `cause`).
 * @example
 * const labels = readIdxFile('data/train-labels-idx1-ubyte').data; // Uint8Array(60000)
 */
export function readIdxFile(path: string): IdxArray {
  return withRegularFile(path, (fd, size) => {
    const { info, header, head } = headerOf(fd, size, path);
    const total = header.headerBytes + header.dataBytes;
    if (total > MAX_READ_BYTES)
      formatError(path, `too large: ${total} bytes, more than the ${MAX_READ_BYTES} one array can hold`);
    const bytes = new Uint8Array(total);
    bytes.set(head);
    const got = head.length + readFully(fd, bytes.subarray(head.length), head.length);
    // The file shrank after its size was taken.
    if (got < total) checkDataLength(info, header.dims, got - header.headerBytes, path);
    return parseIdx(bytes, path);
  });
}
