// Child process of checkpoint.test.ts: saves large checkpoints in a loop (params all equal to the
// step) until killed, printing each step once its checkpoint is durable. The argument is the hidden
// layer's width: 5000 makes ~4M parameters, 48 MB per checkpoint with Adam's two slots.

import { saveCheckpoint } from '../../src/store/checkpoint.js';
import { atStep, makeCheckpoint } from './checkpoint-fixture.js';

const [dir, hidden] = process.argv.slice(2);
const base = makeCheckpoint({ model: { hidden: [Number(hidden)] } }, 0);
for (let step = 1; ; step++) {
  base.params.fill(step);
  saveCheckpoint(dir, atStep(base, step), { keep: 2 });
  process.stdout.write(`saved ${step}\n`);
}
