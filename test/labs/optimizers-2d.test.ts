import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, FUNCTIONS_2D } from '../../src/labs/functions-2d.js';
import { optimizerPath, signChanges } from '../../src/labs/optimizers-2d.js';
import { runLab } from '../../src/labs/run-lab.js';
import { fakeDashboard, tempDir } from './helpers.js';

describe('optimizers-2d', () => {
  it("zig-zags SGD across the bowl's y axis more often than Momentum (book figure 6-8)", async () => {
    const { data } = await runLab('optimizers-2d', { out: tempDir() });
    const changes = Object.fromEntries(data.paths.map((p) => [p.label, p.ySignChanges]));
    expect(data.start).toEqual([-7, 2]);
    expect(data.steps).toBe(30);
    expect(changes.SGD).toBeGreaterThan(changes.Momentum);
    // SGD with lr 0.95 flips y every step: y ← y − 0.95·2y = −0.9·y.
    expect(changes.SGD).toBe(30);
    for (const p of data.paths) expect(p.x).toHaveLength(31);
  });

  it('writes the results page, config, data and the contour figure', async () => {
    const out = tempDir();
    const { files } = await runLab('optimizers-2d', {
      out,
      seed: 5,
      command: 'gradstream lab optimizers-2d',
    });
    expect(files.map((f) => basename(f)).sort()).toEqual([
      'config.json',
      'paths.svg',
      'results.json',
      'results.md',
    ]);
    const page = readFileSync(`${out}/results.md`, 'utf8');
    expect(page).toContain('| SGD | 0.95 |');
    expect(page).toContain('![Optimizer paths');
    expect(JSON.parse(readFileSync(`${out}/config.json`, 'utf8'))).toMatchObject({
      lab: 'optimizers-2d',
      seed: 5,
    });
    const svg = readFileSync(`${out}/paths.svg`, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<use href="#contours"/g)).toHaveLength(6);
  });

  it('draws each path on the dashboard as a run plus its points over the surface', async () => {
    const dashboard = fakeDashboard();
    await runLab('optimizers-2d', {
      out: tempDir(),
      dashboard,
      config: { optimizers: [{ name: 'sgd', lr: 0.95 }], steps: 5, paceMs: 1 },
    });
    const events = dashboard.events.get('optimizers-2d/SGD')!;
    expect(events.map((e) => e.type)).toEqual(['start', 'step', 'step', 'step', 'step', 'step', 'end']);
    const path = dashboard.paths.get('optimizers-2d/SGD')!;
    expect(path.points.map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(path.surface.minimum).toEqual([0, 0]);
  });

  it('runs on Rosenbrock and Beale with their own defaults', async () => {
    for (const fn of ['rosenbrock', 'beale'] as const) {
      const { data } = await runLab('optimizers-2d', { out: tempDir(), config: { fn } });
      const start = FUNCTIONS_2D[fn].f(...FUNCTIONS_2D[fn].start);
      // Every default optimizer gets closer to the minimum than where it started.
      for (const p of data.paths) expect(p.final, `${fn} ${p.label}`).toBeLessThan(start);
    }
  });

  it('refuses a setting the lab does not have, and an unknown function', async () => {
    await expect(runLab('optimizers-2d', { config: { stepz: 3 } as never })).rejects.toThrow(
      /setting must be one of fn, steps/,
    );
    await expect(runLab('optimizers-2d', { config: { fn: 'himmelblau' as never } })).rejects.toThrow(
      /unknown fn "himmelblau"/,
    );
  });
});

describe('functions-2d', () => {
  it.each(FUNCTION_NAMES)('%s: the gradient matches central differences', (name) => {
    const fn = FUNCTIONS_2D[name];
    const g = new Float32Array(2);
    for (const [x, y] of [
      [0.3, -0.7],
      [1.5, 0.2],
      [-1, 1.1],
    ]) {
      fn.gradient(x, y, g);
      const h = 1e-6;
      const dx = (fn.f(x + h, y) - fn.f(x - h, y)) / (2 * h);
      const dy = (fn.f(x, y + h) - fn.f(x, y - h)) / (2 * h);
      expect(g[0]).toBeCloseTo(dx, 2);
      expect(g[1]).toBeCloseTo(dy, 2);
    }
    expect(fn.f(...fn.minimum)).toBeCloseTo(0, 10);
  });
});

describe('signChanges', () => {
  it('counts sign flips and skips zeros', () => {
    expect(signChanges([1, -1, 1, 0, 1, -2])).toBe(3);
    expect(signChanges([0, 0, 3, 4])).toBe(0);
  });

  it('agrees with a path computed by hand (SGD lr 0.95: y ← −0.9·y)', () => {
    const p = optimizerPath('bowl', { name: 'sgd', lr: 0.95 }, [-7, 2], 3);
    expect(p.y[3]).toBeCloseTo(2 * (-0.9) ** 3, 5);
    expect(p.x[3]).toBeCloseTo(-7 * 0.905 ** 3, 5);
  });
});
