// Loads the TypeScript worker entry through tsx when gradstream runs from source (tests, `tsx`).
// A worker's `--import tsx` flag does not reliably register the loader before Piscina imports the
// entry, so register it here first. The built package points Piscina at dist/workers/*.js instead.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./train-worker.ts');

export const { chunk, gradients, update, evaluate } = worker;
