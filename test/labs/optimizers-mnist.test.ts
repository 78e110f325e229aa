import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/labs/run-lab.js';
import { fakeDashboard, quickOptions } from './helpers.js';

describe('optimizers-mnist (quick)', () => {
  it('shows SGD as the slowest to learn, every run live on the dashboard (book figure 6-9)', async () => {
    const dashboard = fakeDashboard();
    const { data, config } = await runLab('optimizers-mnist', { ...quickOptions(), dashboard });
    expect(config.hidden).toEqual([100, 100, 100, 100]);
    const byName = Object.fromEntries(data.results.map((r) => [r.label, r]));
    expect(Object.keys(byName)).toEqual(['SGD', 'Momentum', 'AdaGrad', 'Adam']);
    const last = String(config.steps);
    for (const other of ['Momentum', 'AdaGrad', 'Adam']) {
      expect(byName.SGD.smoothed[last], other).toBeGreaterThan(byName[other].smoothed[last]);
      expect(byName.SGD.testAccuracy, other).toBeLessThan(byName[other].testAccuracy);
    }
    for (const r of data.results) {
      expect(r.error).toBeUndefined();
      const events = dashboard.events.get(`optimizers-mnist/${r.label}`)!;
      expect(events[0].type).toBe('start');
      expect(events.filter((e) => e.type === 'step')).toHaveLength(config.steps);
      expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'completed' });
    }
  });
});
