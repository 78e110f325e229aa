// The plain-JS kernel set: the reference and the fallback when WebAssembly SIMD is unavailable.

import type { Kernels } from '../kernels.js';
import { axpby, gatherRows, sumSquares } from './data.js';
import {
  addRowVector,
  meanSquaredError,
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  softmaxCrossEntropy,
  sumRows,
} from './elementwise.js';
import { matmul, matmulSparseA, matmulTransA, matmulTransASparseA, matmulTransB } from './matmul.js';

/** Plain-JS kernels: correct everywhere, ~1–3 GFLOP/s for products. */
export const jsKernels: Kernels = {
  name: 'js',
  matmul,
  matmulTransA,
  matmulTransB,
  matmulSparseA,
  matmulTransASparseA,
  addRowVector,
  sumRows,
  reluForward,
  reluBackward,
  sigmoidForward,
  sigmoidBackward,
  softmaxCrossEntropy,
  meanSquaredError,
  gatherRows,
  axpby,
  sumSquares,
};
