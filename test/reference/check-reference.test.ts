// The reference vectors (PyTorch 1.13, float64; copied from shared/reference into test/fixtures)
// through `npm run check:reference`: every case passes, a doctored case fails, a malformed file is refused.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReferenceFiles } from '../../src/reference/check-files.js';

const FIXTURES = [
  'test/fixtures/optimizers.torch.json',
  'test/fixtures/mlp-gradients.torch.json',
  'test/fixtures/mlp-regression.torch.json',
];

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
    expect(caseLines).toHaveLength(15 + 4 + 3);
    expect(caseLines.every((l) => l.endsWith('PASS'))).toBe(true);
  });

  it('prints one line per case and exits 0 as a command', () => {
    const result = runScript(...FIXTURES);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/adam-book2d +max rel err \S+ \(.+\) +PASS/);
    expect(result.stdout).toMatch(/relu-bn-4-6-5-3 +max rel err \S+ \(.+\) +PASS/);
    expect(result.stdout).toMatch(/mse-relu-bn-wd-6-8-5-2 +max rel err \S+ \(.+\) +PASS/);
  });

  it('regression cases: the MSE loss, linear outputs and gradients match; a doctored output fails', () => {
    const regression = JSON.parse(readFileSync(FIXTURES[2], 'utf8'));
    expect(regression.cases.every((c: { loss_kind: string }) => c.loss_kind === 'mse')).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-ref-'));
    regression.cases[1].outputs[0][0] += 1e-3;
    writeFileSync(join(dir, 'reg.json'), JSON.stringify(regression));
    const lines: string[] = [];
    expect(checkReferenceFiles([join(dir, 'reg.json')], (l) => lines.push(l))).toBe(false);
    expect(lines.join('\n')).toMatch(/mse-sigmoid-5-7-3 +max rel err \S+ \(outputs\) +FAIL/);
    expect(lines.join('\n')).toMatch(/mse-relu-4-6-1 +max rel err \S+ \(.+\) +PASS/);
  });

  it("a schedule it has no formula for runs from the case's lr_per_step", () => {
    const optimizers = JSON.parse(readFileSync(FIXTURES[0], 'utf8'));
    const scheduled = optimizers.cases.filter((c: { schedule?: unknown }) => c.schedule !== undefined);
    expect(scheduled.length).toBeGreaterThan(0);
    // The same cases with their schedule renamed: nothing but lr_per_step says what the lr was.
    const renamed = scheduled.map((c: { name: string; schedule: object }) => ({
      ...c,
      name: `${c.name}-unknown`,
      schedule: { name: 'one-cycle' },
    }));
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-ref-'));
    writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ source: 'test', cases: renamed }));
    const lines: string[] = [];
    expect(checkReferenceFiles([join(dir, 'unknown.json')], (l) => lines.push(l))).toBe(true);
    expect(lines.filter((l) => /-unknown +max rel err .* PASS$/.test(l))).toHaveLength(scheduled.length);
    // And it is really the table that drives the run: a wrong lr in it moves the trajectory.
    renamed[0].lr_per_step = renamed[0].lr_per_step.map((lr: number) => lr * 2);
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ source: 'test', cases: [renamed[0]] }));
    expect(checkReferenceFiles([join(dir, 'wrong.json')], () => {})).toBe(false);
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
