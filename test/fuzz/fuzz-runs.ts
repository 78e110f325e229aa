// How many cases each fuzz property runs: 10,000 in `npm test`, more with `npm run fuzz`
// (GRADSTREAM_FUZZ_RUNS). Seeded, so a failure reproduces; fast-check prints the seed and the path.

import type fc from 'fast-check';
import { GradstreamError } from '../../src/errors.js';

/** Cases per property. */
export const FUZZ_RUNS = Number(process.env.GRADSTREAM_FUZZ_RUNS ?? 10_000);

/** fast-check parameters for every fuzz property: the run count and a seed taken from the env when given. */
export function fuzzParameters(): fc.Parameters<unknown> {
  const seed = process.env.GRADSTREAM_FUZZ_SEED;
  return { numRuns: FUZZ_RUNS, ...(seed === undefined ? {} : { seed: Number(seed) }) };
}

/**
 * Runs `parse` and returns true when it either returned or threw a `GradstreamError`; any other
 * exception is rethrown so fast-check shrinks and reports it.
 */
export function onlyGradstreamErrors(parse: () => unknown): boolean {
  try {
    parse();
  } catch (error) {
    if (error instanceof GradstreamError) return true;
    throw error;
  }
  return true;
}
