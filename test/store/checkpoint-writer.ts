// Child process of checkpoint.test.ts: saves large checkpoints in a loop (params all equal to the
// step) until killed, printing each step once its checkpoint is durable.

import { saveCheckpoint } from '../../src/store/checkpoint.js';
import { makeCheckpoint } from './checkpoint-fixture.js';

const [dir, size] = process.argv.slice(2);
const base = makeCheckpoint();
const params = new Float32Array(Number(size));
const slots = {
  'scaleByAdam.mu': new Float32Array(params.length),
  'scaleByAdam.nu': new Float32Array(params.length),
};
for (let step = 1; ; step++) {
  params.fill(step);
  saveCheckpoint(dir, { ...base, step, params, slots }, { keep: 2 });
  process.stdout.write(`saved ${step}\n`);
}
