// The README's TypeScript examples run as written (with `gradstream` mapped to this checkout's src/).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC_INDEX = resolve('src/index.ts');

function examples(): string[] {
  const text = readFileSync('README.md', 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('README', () => {
  const blocks = examples();

  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks.map((code, i) => [i, code] as const))('example %i runs without error', (_i, code) => {
    // Inside the checkout, so that `rxjs` and the other dependencies resolve as they would for a user.
    mkdirSync('node_modules/.cache', { recursive: true });
    const dir = mkdtempSync(resolve('node_modules/.cache/readme-'));
    const file = join(dir, 'example.ts');
    writeFileSync(file, code.replaceAll(`from 'gradstream'`, `from ${JSON.stringify(SRC_INDEX)}`));
    const result = spawnSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      cwd: resolve('.'),
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
  });
});
