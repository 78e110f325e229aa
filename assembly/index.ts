// The wasm module's exports. Every pointer is a byte offset into the one imported linear memory;
// the module keeps no state of its own and has no data segments, so any number of instances
// (one per worker thread) can run on the same shared memory.

export {
  addRowVector,
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  softmaxCrossEntropy,
  sumRows,
} from './elementwise';
export { gatherRowsF32, gatherRowsU8 } from './gather';
export { matmul, matmulTransA, matmulTransB } from './matmul';
export { matmulSparseA, matmulTransASparseA } from './sparse';
export { momentumStep, sgdStep } from './optim';
export { adagradStep, adamStep, rmspropStep } from './optim-adaptive';
export { axpby, sumSquares } from './reduce';
export { reservedBytes } from './scratch';
