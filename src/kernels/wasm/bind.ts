// Binds a wasm kernel instance to the `Kernels` interface: each typed-array view becomes its
// byteOffset in the module's memory. Views outside that memory are refused, never copied.

import { checkNumber, GradstreamError, invalidOption } from '../../errors.js';
import { meanSquaredError } from '../js/elementwise.js';
import type { Kernels, LabelArray } from '../kernels.js';

/** The raw exports of assembly/index.ts: every pointer is a byte offset into the memory. */
export interface KernelExports {
  matmul(a: number, b: number, c: number, m: number, k: number, n: number): void;
  matmulTransA(a: number, b: number, c: number, m: number, k: number, n: number): void;
  matmulTransB(a: number, b: number, c: number, m: number, k: number, n: number): void;
  matmulSparseA(a: number, b: number, c: number, m: number, k: number, n: number): void;
  matmulTransASparseA(a: number, b: number, c: number, m: number, k: number, n: number): void;
  addRowVector(c: number, bias: number, m: number, n: number): void;
  sumRows(x: number, out: number, m: number, n: number): void;
  reluForward(x: number, y: number, len: number): void;
  reluBackward(dy: number, y: number, dx: number, len: number): void;
  sigmoidForward(x: number, y: number, len: number): void;
  sigmoidBackward(dy: number, y: number, dx: number, len: number): void;
  softmaxCrossEntropy(
    logits: number,
    labels: number,
    labelBytes: number,
    dlogits: number,
    m: number,
    n: number,
  ): number;
  gatherRowsU8(x: number, rows: number, out: number, count: number, features: number, scale: number): void;
  gatherRowsF32(x: number, rows: number, out: number, count: number, features: number, scale: number): void;
  axpby(a: number, x: number, b: number, y: number, n: number): void;
  sumSquares(x: number, n: number): number;
  reservedBytes(): number;
}

type View = Float32Array | LabelArray;

/** Throws unless `value` is an integer in [0, 2³¹): wasm would silently truncate anything else. */
function size(where: string, field: string, value: number): void {
  if ((value | 0) !== value || value < 0)
    checkNumber(where, field, value, { min: 0, max: 2 ** 31 - 1, integer: true });
}

/**
 * Byte address of a random 32-bit token that names a kernel memory (page 0, above the module's static
 * data, below the first scratch panel). A shared memory's `buffer` getter may return a new
 * SharedArrayBuffer object at any time (V8 does when another memory is created), so buffer identity
 * alone cannot tell whether a view lies in this memory; the token can.
 */
export const MEMORY_TOKEN_ADDRESS = 60_000;

/** Writes a fresh token into a new kernel memory (once, at creation). */
export function stampMemory(memory: WebAssembly.Memory): void {
  new Int32Array(memory.buffer, MEMORY_TOKEN_ADDRESS, 1)[0] = (Math.random() * 2 ** 31) | 1;
}

/**
 * The pointer check every wasm binding uses: `ptr(where, field, view, needed)` returns the view's byte
 * offset after checking that it lies in `memory` and holds at least `needed` elements. O(1): the slow
 * path (a buffer object not seen before) runs once per buffer object.
 */
export function viewPointer(
  memory: WebAssembly.Memory,
): (where: string, field: string, view: View, needed: number) => number {
  let buffer = memory.buffer;
  const token = new Int32Array(buffer, MEMORY_TOKEN_ADDRESS, 1)[0];
  const aliases = new WeakSet<ArrayBufferLike>(); // other buffer objects over this same memory
  const sameMemory = (other: ArrayBufferLike): boolean => {
    if (other === buffer || aliases.has(other)) return true;
    buffer = memory.buffer; // the memory grew, or V8 handed out a new object for it
    if (other === buffer) return true;
    const alias =
      token !== 0 &&
      other instanceof SharedArrayBuffer &&
      other.byteLength > MEMORY_TOKEN_ADDRESS &&
      new Int32Array(other, MEMORY_TOKEN_ADDRESS, 1)[0] === token;
    if (alias) aliases.add(other);
    return alias;
  };
  return (where, field, view, needed) => {
    if (!sameMemory(view.buffer)) {
      invalidOption(
        where,
        field,
        "a view inside the wasm kernels' memory (carve it from an Arena built with their `allocation`)",
        `a ${view.constructor.name} on another ${view.buffer.constructor.name}`,
      );
    }
    if (view.length < needed) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `${where}: ${field} has length ${view.length}, needs ${needed}`,
        {
          cause: { where, field, actual: view.length, expected: needed },
        },
      );
    }
    return view.byteOffset;
  };
}

/**
 * A `Kernels` over `exports`, whose module runs on `memory`. Every call checks, in O(1), that each
 * view lies in the memory and is long enough: in wasm a short view would silently overrun into
 * its neighbours in the arena, where the JS kernels would only read `undefined`.
 */
export function bindKernels(exports: KernelExports, memory: WebAssembly.Memory, name: string): Kernels {
  const ptr = viewPointer(memory);
  // Call sites name themselves in errors; the names are built here, once, not per call.
  const product = (
    op: 'matmul' | 'matmulTransA' | 'matmulTransB' | 'matmulSparseA' | 'matmulTransASparseA',
  ) => {
    const where = `${name}.${op}`;
    const run = exports[op];
    return (a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void => {
      size(where, 'm', m);
      size(where, 'k', k);
      size(where, 'n', n);
      run(ptr(where, 'a', a, m * k), ptr(where, 'b', b, k * n), ptr(where, 'c', c, m * n), m, k, n);
    };
  };
  const unary = (op: 'reluForward' | 'sigmoidForward') => {
    const where = `${name}.${op}`;
    const run = exports[op];
    return (x: Float32Array, y: Float32Array, len: number): void => {
      size(where, 'len', len);
      run(ptr(where, 'x', x, len), ptr(where, 'y', y, len), len);
    };
  };
  const binary = (op: 'reluBackward' | 'sigmoidBackward') => {
    const where = `${name}.${op}`;
    const run = exports[op];
    return (dy: Float32Array, y: Float32Array, dx: Float32Array, len: number): void => {
      size(where, 'len', len);
      run(ptr(where, 'dy', dy, len), ptr(where, 'y', y, len), ptr(where, 'dx', dx, len), len);
    };
  };
  const whereBias = `${name}.addRowVector`;
  const whereSum = `${name}.sumRows`;
  const whereLoss = `${name}.softmaxCrossEntropy`;
  const whereGather = `${name}.gatherRows`;
  const whereAxpby = `${name}.axpby`;
  const whereSquares = `${name}.sumSquares`;
  return {
    name,
    matmul: product('matmul'),
    matmulTransA: product('matmulTransA'),
    matmulTransB: product('matmulTransB'),
    matmulSparseA: product('matmulSparseA'),
    matmulTransASparseA: product('matmulTransASparseA'),
    addRowVector(c, bias, m, n) {
      size(whereBias, 'm', m);
      size(whereBias, 'n', n);
      exports.addRowVector(ptr(whereBias, 'c', c, m * n), ptr(whereBias, 'bias', bias, n), m, n);
    },
    sumRows(x, out, m, n) {
      size(whereSum, 'm', m);
      size(whereSum, 'n', n);
      exports.sumRows(ptr(whereSum, 'x', x, m * n), ptr(whereSum, 'out', out, n), m, n);
    },
    reluForward: unary('reluForward'),
    reluBackward: binary('reluBackward'),
    sigmoidForward: unary('sigmoidForward'),
    sigmoidBackward: binary('sigmoidBackward'),
    softmaxCrossEntropy(logits, labels, dlogits, m, n) {
      size(whereLoss, 'm', m);
      size(whereLoss, 'n', n);
      const l = ptr(whereLoss, 'logits', logits, m * n);
      const y = ptr(whereLoss, 'labels', labels, m);
      const d = ptr(whereLoss, 'dlogits', dlogits, m * n);
      const loss = exports.softmaxCrossEntropy(l, y, labels.BYTES_PER_ELEMENT, d, m, n);
      if (loss < 0) {
        // The module stops at the first bad label and returns −(row + 1).
        const row = -loss - 1;
        throw new GradstreamError(
          'ERR_DATA_FORMAT',
          `${whereLoss}: labels[${row}] must be an integer in [0, ${n}), got ${labels[row]}`,
          { cause: { where: whereLoss, field: 'labels', row, value: labels[row] } },
        );
      }
      return loss;
    },
    // O(batch × outputs) next to the products' O(batch × fan-in × units): plain JS on the module's
    // memory is fast enough, so there is no wasm twin to keep in step.
    meanSquaredError,
    gatherRows(x, rows, out, count, features, scale) {
      size(whereGather, 'count', count);
      size(whereGather, 'features', features);
      const n = features === 0 ? 0 : x.length / features;
      // A row out of range would read a neighbour in the arena: checked here, count compares per call.
      for (let i = 0; i < count; i++) {
        if (!(rows[i] >= 0 && rows[i] < n)) {
          throw new GradstreamError(
            'ERR_SHAPE_MISMATCH',
            `${whereGather}: rows[${i}] is ${rows[i]}, expected an integer in [0, ${Math.floor(n)})`,
          );
        }
      }
      const px = ptr(whereGather, 'x', x, 0);
      const pr = ptr(whereGather, 'rows', rows, count);
      const po = ptr(whereGather, 'out', out, count * features);
      if (x instanceof Uint8Array) exports.gatherRowsU8(px, pr, po, count, features, scale);
      else exports.gatherRowsF32(px, pr, po, count, features, scale);
    },
    axpby(a, x, b, y, n) {
      size(whereAxpby, 'n', n);
      exports.axpby(a, ptr(whereAxpby, 'x', x, n), b, ptr(whereAxpby, 'y', y, n), n);
    },
    sumSquares(x, n) {
      size(whereSquares, 'n', n);
      return exports.sumSquares(ptr(whereSquares, 'x', x, n), n);
    },
  };
}
