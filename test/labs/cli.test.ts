import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from './helpers.js';
import { runLabCli } from './lab-cli.js';

describe('gradstream lab', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('lists the labs when no name is given', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await runLabCli([])).toBe(0);
    const text = out.mock.calls.map((c) => String(c[0])).join('');
    for (const name of [
      'optimizers-2d',
      'optimizers-mnist',
      'weight-init',
      'batch-norm',
      'overfitting',
      'hyperparameter-search',
    ])
      expect(text).toContain(name);
  });

  it('runs a lab headless into --out, printing the results page', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dir = tempDir();
    expect(
      await runLabCli([
        'optimizers-2d',
        '--no-dashboard',
        '--out',
        dir,
        '--function',
        'beale',
        '--steps',
        '50',
      ]),
    ).toBe(0);
    expect(existsSync(`${dir}/paths.svg`)).toBe(true);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('50 steps from (1, 1.5)');
  });

  it('exits 2 on an unknown lab, a bad flag value or a setting the lab does not have', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runLabCli(['nope'])).toBe(2);
    expect(await runLabCli(['optimizers-2d', '--no-dashboard', '--seed', 'x'])).toBe(2);
    expect(await runLabCli(['optimizers-2d', '--no-dashboard', '--out', tempDir(), '--trials', '3'])).toBe(2);
    expect(await runLabCli(['optimizers-2d', '--no-dashboard', '--set', 'fn=himmelblau'])).toBe(2);
  });
});
