import { describe, expect, it } from 'vitest';
import { logspace } from '../../src/labs/batch-norm.js';
import { runLab } from '../../src/labs/run-lab.js';
import { quickOptions } from './helpers.js';

describe('batch-norm (quick)', () => {
  it('learns faster with batch normalization at every weight scale tried (book figure 6-19)', async () => {
    const { data, config } = await runLab('batch-norm', quickOptions());
    expect(data.pairs).toHaveLength(config.scales.length);
    for (const p of data.pairs) {
      expect(p.withBn).toHaveLength(config.epochs);
      expect(p.without).toHaveLength(config.epochs);
      expect(p.withBn.at(-1)!, `W ${p.scale}`).toBeGreaterThan(p.without.at(-1)! + 0.2);
    }
  });
});

describe('logspace', () => {
  it("gives numpy's logspace(0, -4, 16) endpoints and spacing", () => {
    const s = logspace(0, -4, 16);
    expect(s).toHaveLength(16);
    expect(s[0]).toBe(1);
    expect(s[15]).toBeCloseTo(1e-4, 12);
    expect(s[1] / s[0]).toBeCloseTo(10 ** (-4 / 15), 12);
  });
});

describe('an aborted lab', () => {
  it('skips the runs not yet started and says the results are partial', async () => {
    const { data, markdown } = await runLab('batch-norm', { ...quickOptions(), signal: AbortSignal.abort() });
    for (const p of data.pairs) expect(p.withBn).toEqual([]);
    expect(markdown).toContain('**Stopped before the end: the results are partial.**');
  });
});
