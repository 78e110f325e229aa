// Two interleaved spirals as a CSV table whose text column matters: each point has x, y, a colour
// (`red` or `blue`, as text) and a class that is its arm XOR whether it is red. Without the colour a
// point's class is a coin flip; with it, the spirals decide it. Seeded.

import { Rng } from '../../src/random/rng.js';

/** The table's text, `x,y,colour,class` and `points` rows (half on each arm). */
export function spiralsCsv(points: number, seed: number): string {
  const rng = new Rng(seed).fork('spirals');
  const lines = ['x,y,colour,class'];
  for (let i = 0; i < points; i++) {
    const arm = i % 2;
    const t = 0.15 + 0.85 * rng.float();
    const angle = t * 3 * Math.PI + arm * Math.PI;
    const x = t * Math.cos(angle) + 0.02 * rng.normal();
    const y = t * Math.sin(angle) + 0.02 * rng.normal();
    const red = rng.float() < 0.5;
    const label = arm ^ (red ? 1 : 0) ? 'inner' : 'outer';
    lines.push(`${x.toFixed(5)},${y.toFixed(5)},${red ? 'red' : 'blue'},${label}`);
  }
  return `${lines.join('\n')}\n`;
}
