// The one place that finds the worker entry file: the compiled .js of the built package, or a small
// .mjs bootstrap that loads the TypeScript source through tsx when gradstream runs from source.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Resolves the entry file of worker `name` (in `workers/`) for the tree this module runs from. */
export function workerEntry(name = 'train-worker'): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(
    new URL(`../../workers/${name}.${fromSource ? 'source.mjs' : 'js'}`, import.meta.url),
  );
  if (!existsSync(file)) throw new Error(`gradstream: worker entry not found at ${file}; run npm run build`);
  return file;
}
