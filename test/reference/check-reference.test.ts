// The reference vectors (PyTorch 1.13, float64; copied from shared/reference into test/fixtures)
// through `npm run check:reference`: every case passes, a doctored case fails, a malformed file is refused.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReferenceFiles } from '../../src/reference/check-files.js';

const FIXTURES = ['test/fixtures/optimizers.torch.json', 'test/fixtures/mlp-gradients.torch.json'];

function runScript(...files: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-reference.ts', ...files], {
    encoding: 'utf8',
  });
}

describe('check:reference', () => {
  it('passes every optimizer and MLP case of the fixtures to 1e-4', () => {
    const lines: string[] = [];
    expect(checkReferenceFiles(FIXTURES, (l) => lines.push(l))).toBe(true);
    const caseLines = lines.filter((l) => / (PASS|FAIL)$/.test(l));
    expect(caseLines).toHaveLength(15 + 4);
    expect(caseLines.every((l) => l.endsWith('PASS'))).toBe(true);
  });

  it('prints one line per case and exits 0 as a command', () => {
    const result = runScript(...FIXTURES);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/adam-book2d +max rel err \S+ \(.+\) +PASS/);
    expect(result.stdout).toMatch(/relu-bn-4-6-5-3 +max rel err \S+ \(.+\) +PASS/);
  });

  it('exits 1 and marks the case FAIL when a reference value is off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-ref-'));
    const optimizers = JSON.parse(readFileSync(FIXTURES[0], 'utf8'));
    optimizers.cases[3].trajectory[29][0] *= 1.001; // adam-book2d's final x, 1e-3 off
    const mlps = JSON.parse(readFileSync(FIXTURES[1], 'utf8'));
    mlps.cases[3].dgamma[0][2] += 0.01; // a batch-norm gradient off
    writeFileSync(join(dir, 'opt.json'), JSON.stringify(optimizers));
    writeFileSync(join(dir, 'mlp.json'), JSON.stringify(mlps));
    const result = runScript(join(dir, 'opt.json'), join(dir, 'mlp.json'));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/adam-book2d +max rel err \S+ \(trajectory\[29\]\[0\]\) +FAIL/);
    expect(result.stdout).toMatch(/relu-bn-4-6-5-3 +max rel err \S+ \(dgamma\[0\]\) +FAIL/);
    expect(result.stdout).toMatch(/sgd-book2d .* PASS/);
  });

  it('exits 2 with a clear message for a file in neither format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-ref-'));
    writeFileSync(join(dir, 'odd.json'), JSON.stringify({ cases: [{ hello: 1 }] }));
    const result = runScript(join(dir, 'odd.json'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/odd.json: cases are neither optimizer trajectories/);
  });
});
