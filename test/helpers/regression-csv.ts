// A regression table with a known rule and a text column that matters: y = sin(a) + a·b/2 plus an
// offset by colour (red +1, green 0, blue −1), for a and b uniform in [−2, 2]. Seeded.

import { Rng } from '../../src/random/rng.js';

const OFFSET: Readonly<Record<string, number>> = { red: 1, green: 0, blue: -1 };
const COLOURS = Object.keys(OFFSET);

/** The rule the table follows (the tests compare predictions with it). */
export function regressionRule(a: number, b: number, colour: string): number {
  return Math.sin(a) + (a * b) / 2 + OFFSET[colour];
}

/** The table's text, `a,b,colour,y` and `rows` rows. */
export function regressionCsv(rows: number, seed: number): string {
  const rng = new Rng(seed).fork('regression-table');
  const lines = ['a,b,colour,y'];
  for (let i = 0; i < rows; i++) {
    const a = rng.uniform(-2, 2);
    const b = rng.uniform(-2, 2);
    const colour = COLOURS[rng.int(COLOURS.length)];
    lines.push(`${a.toFixed(5)},${b.toFixed(5)},${colour},${regressionRule(a, b, colour).toFixed(5)}`);
  }
  return `${lines.join('\n')}\n`;
}
