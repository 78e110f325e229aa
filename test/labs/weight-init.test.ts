import { describe, expect, it } from 'vitest';
import { activationHistograms } from '../../src/labs/activation-histograms.js';
import { runLab } from '../../src/labs/run-lab.js';
import { quickOptions } from './helpers.js';

describe('weight-init (quick)', () => {
  it('std 0.01 barely learns while He learns (book figure 6-15)', async () => {
    const { data, config } = await runLab('weight-init', quickOptions());
    const run = (init: number | string) => data.runs.find((r) => r.init === init && r.activation === 'relu')!;
    const last = String(config.steps);
    for (const r of data.runs) expect(r.error).toBeUndefined();
    // Cross-entropy of a uniform guess over 10 classes is ln 10 ≈ 2.303: std 0.01 stays there.
    expect(run(0.01).smoothed[last]).toBeGreaterThan(2.25);
    expect(run('he').smoothed[last]).toBeLessThan(run(0.01).smoothed[last] - 0.3);
    expect(run('he').testAccuracy).toBeGreaterThan(run(0.01).testAccuracy + 0.2);
    // Histograms for both activations and every init, even when only ReLU trains.
    expect(data.histograms).toHaveLength(8);
  });
});

describe('activationHistograms', () => {
  const std = (activation: 'relu' | 'sigmoid', init: number | 'he' | 'xavier') =>
    activationHistograms({ activation, init, seed: 3 }).map((l) => l.std);

  it('keeps ReLU activations equally spread through 5 layers with He, and lets them vanish with std 0.01', () => {
    const he = std('relu', 'he');
    expect(he).toHaveLength(5);
    expect(he[4] / he[0]).toBeGreaterThan(0.5);
    expect(he[4] / he[0]).toBeLessThan(2);
    // Each layer multiplies the spread by about 0.01·√(100/2) ≈ 0.07.
    const small = std('relu', 0.01);
    expect(small[4] / small[0]).toBeLessThan(1e-3);
  });

  it('saturates sigmoid at 0 and 1 with std 1, and collapses it around 0.5 with std 0.01 (figures 6-10, 6-11)', () => {
    const wide = activationHistograms({ activation: 'sigmoid', init: 1, seed: 3 });
    expect(wide[4].saturated).toBeGreaterThan(0.4);
    const narrow = activationHistograms({ activation: 'sigmoid', init: 0.01, seed: 3 });
    expect(narrow[4].saturated).toBe(0);
    expect(narrow[4].mean).toBeCloseTo(0.5, 2);
    expect(narrow[4].counts.reduce((a, b) => a + b, 0)).toBe(100_000);
  });
});
