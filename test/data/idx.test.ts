import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdxFile, readIdxHeader } from '../../src/data/idx.js';
import { GradstreamError } from '../../src/errors.js';

/** Builds an IDX file by hand: 0x00 0x00, type code, dims count, big-endian dims, then `body`. */
function idx(type: number, dims: number[], body: number[]): Uint8Array {
  const header = [0, 0, type, dims.length];
  for (const d of dims) header.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  return Uint8Array.from([...header, ...body]);
}

function formatError(fn: () => unknown): GradstreamError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GradstreamError);
    expect((error as GradstreamError).code).toBe('ERR_DATA_FORMAT');
    return error as GradstreamError;
  }
  throw new Error('expected a GradstreamError');
}

describe('parseIdx', () => {
  it('reads ubyte data as a zero-copy view', () => {
    const bytes = idx(0x08, [2, 3], [1, 2, 3, 250, 251, 255]);
    const parsed = parseIdx(bytes, 'tiny');
    expect(parsed.type).toBe('ubyte');
    expect(parsed.dims).toEqual([2, 3]);
    expect(parsed.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 250, 251, 255]);
    expect(parsed.data.buffer).toBe(bytes.buffer);
    expect(parsed.data.byteOffset).toBe(4 + 2 * 4);
  });

  it('reads signed bytes', () => {
    const parsed = parseIdx(idx(0x09, [3], [0x00, 0x7f, 0xff]), 'signed');
    expect(parsed.data).toBeInstanceOf(Int8Array);
    expect(Array.from(parsed.data)).toEqual([0, 127, -1]);
  });

  it('decodes big-endian shorts and ints', () => {
    // 0x0102 = 258, 0xfffe = -2; 0x00010000 = 65536, 0xffffffff = -1
    const shorts = parseIdx(idx(0x0b, [2], [0x01, 0x02, 0xff, 0xfe]), 'shorts');
    expect(shorts.data).toBeInstanceOf(Int16Array);
    expect(Array.from(shorts.data)).toEqual([258, -2]);
    const ints = parseIdx(idx(0x0c, [1, 2], [0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff]), 'ints');
    expect(ints.type).toBe('int');
    expect(Array.from(ints.data)).toEqual([65536, -1]);
  });

  it('decodes big-endian floats and doubles', () => {
    // IEEE 754: 1.5f = 0x3fc00000, -2f = 0xc0000000; 0.1 (double) = 0x3fb999999999999a
    const floats = parseIdx(idx(0x0d, [2], [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]), 'floats');
    expect(floats.data).toBeInstanceOf(Float32Array);
    expect(Array.from(floats.data)).toEqual([1.5, -2]);
    const doubles = parseIdx(idx(0x0e, [1], [0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]), 'doubles');
    expect(doubles.data).toBeInstanceOf(Float64Array);
    expect(doubles.data[0]).toBe(0.1);
  });

  it('reads from a view with a non-zero byte offset', () => {
    const padded = new Uint8Array(20);
    const file = idx(0x0b, [1], [0x80, 0x00]); // -32768
    padded.set(file, 7);
    const parsed = parseIdx(padded.subarray(7, 7 + file.length), 'offset');
    expect(Array.from(parsed.data)).toEqual([-32768]);
  });

  it('rejects a bad magic, naming the file and the bytes', () => {
    const error = formatError(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), 'weird.idx'));
    expect(error.message).toBe('weird.idx: bad magic 0x01000801 (expected 0x0000 then a type code)');
  });

  it('suggests gunzip for a gzip-compressed file', () => {
    const gz = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]);
    const error = formatError(() => parseIdx(gz, 'train-images-idx3-ubyte.gz'));
    expect(error.message).toContain('train-images-idx3-ubyte.gz: bad magic 0x1f8b0800');
    expect(error.message).toContain('gunzip it first');
  });

  it('rejects an unknown type code, listing the allowed ones', () => {
    const error = formatError(() => parseIdx(idx(0x0a, [1], [0]), 'typed.idx'));
    expect(error.message).toMatch(/^typed\.idx: unknown type code 0x0a; allowed: 0x08 ubyte/);
  });

  it('rejects a zero dims count', () => {
    const error = formatError(() => parseIdx(idx(0x08, [], []), 'rank0.idx'));
    expect(error.message).toBe('rank0.idx: dims count must be at least 1, got 0');
  });

  it('rejects a zero dim', () => {
    const error = formatError(() => parseIdx(idx(0x08, [3, 0], []), 'empty.idx'));
    expect(error.message).toBe('empty.idx: dim 1 must be > 0, got 0');
  });

  it('rejects a file shorter than its header', () => {
    expect(formatError(() => parseIdx(Uint8Array.from([0, 0]), 'a')).message).toContain('a: too short');
    const cut = idx(0x08, [2, 3], []).subarray(0, 9);
    expect(formatError(() => parseIdx(cut, 'b')).message).toBe(
      'b: truncated header: 2 dims need 12 bytes, file has 9',
    );
  });

  it('rejects truncated data, stating the expected size', () => {
    const error = formatError(() => parseIdx(idx(0x08, [4, 2, 3], [1, 2, 3]), 'train-images-idx3-ubyte'));
    expect(error.message).toBe(
      'train-images-idx3-ubyte: truncated: header says 4×2×3 = 24 bytes of data, file has 3',
    );
    const wide = formatError(() => parseIdx(idx(0x0c, [2], [0, 0, 0, 1]), 'ints'));
    expect(wide.message).toBe('ints: truncated: header says 2 int values = 8 bytes of data, file has 4');
  });

  it('rejects trailing bytes', () => {
    const error = formatError(() => parseIdx(idx(0x08, [2], [1, 2, 3, 4]), 'labels'));
    expect(error.message).toBe('labels: 2 trailing bytes: header says 2 bytes of data, file has 4');
  });
});

describe('readIdxFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-idx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a file written by hand', () => {
    const path = join(dir, 'small-idx2-ubyte');
    writeFileSync(path, idx(0x08, [2, 2], [0, 64, 128, 255]));
    const parsed = readIdxFile(path);
    expect(parsed.dims).toEqual([2, 2]);
    expect(Array.from(parsed.data)).toEqual([0, 64, 128, 255]);
  });

  it('names the path of a malformed file', () => {
    const path = join(dir, 'broken-idx1-ubyte');
    writeFileSync(path, idx(0x08, [5], [1]));
    expect(formatError(() => readIdxFile(path)).message).toMatch(/broken-idx1-ubyte: truncated/);
  });

  it('reports a missing file with its path', () => {
    const path = join(dir, 'no-such-file-idx3-ubyte');
    const error = formatError(() => readIdxFile(path));
    expect(error.message).toBe(`${path}: file not found`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('refuses a device through a symlink as not a regular file, before reading a byte of it', () => {
    // Before: readFileSync followed the link and read /dev/zero until memory ran out (24 GB seen).
    const link = join(dir, 'zero-idx3-ubyte');
    symlinkSync('/dev/zero', link);
    const error = formatError(() => readIdxFile(link));
    expect(error.message).toBe(`${link}: not a regular file (a character device)`);
    expect(formatError(() => readIdxHeader(link)).message).toBe(error.message);
  });

  it('refuses a folder as not a regular file', () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    expect(formatError(() => readIdxFile(folder)).message).toBe(`${folder}: not a regular file (a folder)`);
  });

  it('judges a header that claims gigabytes against the file size, not by allocating them', () => {
    // 4 dims of 2^32 - 1: 2.9e38 bytes claimed by a 28-byte file.
    const path = join(dir, 'huge-claim-idx4-ubyte');
    const max = 0xffffffff;
    writeFileSync(path, idx(0x08, [max, max, max, max], [1, 2, 3, 4]));
    expect(formatError(() => readIdxFile(path)).message).toMatch(
      /huge-claim-idx4-ubyte: truncated: header says/,
    );
    expect(formatError(() => readIdxHeader(path)).message).toMatch(/truncated/);
  });
});

describe('readIdxHeader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-idx-header-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the type and dims, and checks the size, without reading the data', () => {
    const path = join(dir, 'floats-idx2-float');
    writeFileSync(path, idx(0x0d, [3, 2], new Array<number>(24).fill(0)));
    expect(readIdxHeader(path)).toEqual({ type: 'float', dims: [3, 2], headerBytes: 12, dataBytes: 24 });
    writeFileSync(path, idx(0x0d, [3, 2], new Array<number>(25).fill(0)));
    expect(formatError(() => readIdxHeader(path)).message).toBe(
      `${path}: 1 trailing bytes: header says 3×2 = 6 float values = 24 bytes of data, file has 25`,
    );
  });
});
