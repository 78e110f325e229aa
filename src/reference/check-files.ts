// Checks reference-vector files (optimizer trajectories or MLP gradients, told apart by their cases)
// against the project's implementation: one line per case, and whether all passed.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { GradstreamError } from '../errors.js';
import { type CaseResult, checkMlpCase, runMlpCase } from './mlp-case.js';
import { checkOptimizerCaseFile, runOptimizerCase } from './optimizer-case.js';

/** Which of the two formats a parsed file is in. */
export function referenceFormat(file: unknown, source: string): 'optimizers' | 'mlp-gradients' {
  const cases = (file as { cases?: unknown })?.cases;
  if (!Array.isArray(cases) || cases.length === 0) {
    throw new GradstreamError(
      'ERR_DATA_FORMAT',
      `${source}: expected an object with a non-empty "cases" array`,
    );
  }
  const first = cases[0] as Record<string, unknown>;
  if ('optimizer' in first && 'trajectory' in first) return 'optimizers';
  if ('sizes' in first && 'dW' in first) return 'mlp-gradients';
  throw new GradstreamError(
    'ERR_DATA_FORMAT',
    `${source}: cases are neither optimizer trajectories (optimizer, trajectory) nor MLP gradients (sizes, dW)`,
  );
}

/** Runs every case of one parsed file. */
export function checkReference(file: unknown, source: string): CaseResult[] {
  if (referenceFormat(file, source) === 'optimizers') {
    return checkOptimizerCaseFile(file).cases.map((c) => runOptimizerCase(c));
  }
  return (file as { cases: unknown[] }).cases.map((c, i) => runMlpCase(checkMlpCase(c, i)));
}

/**
 * Checks every file, writing `file  case  max-rel-err  PASS|FAIL` lines; returns true when all pass.
 *
 * @example
 * checkReferenceFiles(['test/fixtures/optimizers.torch.json'], (l) => console.log(l));
 */
export function checkReferenceFiles(paths: readonly string[], write: (line: string) => void): boolean {
  let allPass = true;
  let count = 0;
  for (const path of paths) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new GradstreamError(
        'ERR_DATA_FORMAT',
        `${path}: cannot read JSON (${(error as Error).message})`,
        {
          cause: error,
        },
      );
    }
    for (const r of checkReference(parsed, path)) {
      count++;
      allPass &&= r.pass;
      write(
        `${basename(path)}  ${r.name.padEnd(24)}  max rel err ${r.maxRelErr.toExponential(2)} (${r.worst})  ${r.pass ? 'PASS' : 'FAIL'}`,
      );
    }
  }
  write(`${count} cases: ${allPass ? 'all passed' : 'FAILURES'}`);
  return allPass;
}
