// bench/cli-start: how long `gradstream` takes to start and refuse a bad flag (`train --lr abc`: the
// whole import graph of the CLI, then one line and exit 2), against a bare `node -e ''` run side by
// side in turns, median of N each. The CLI tests spawn the CLI hundreds of times, so its start is
// much of their time. Runs the compiled CLI: `npx tsc -p tsconfig.build.json` first.
// Usage: npx tsx bench/cli-start.bench.ts [runs=20]

import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 20);
const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

function timed(args: readonly string[]): number {
  const start = performance.now();
  spawnSync(process.execPath, args, { stdio: 'ignore' });
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare: number[] = [];
const refuse: number[] = [];
const help: number[] = [];
timed([cli, '--help']); // warm the file cache
for (let i = 0; i < runs; i++) {
  bare.push(timed(['-e', '']));
  refuse.push(timed([cli, 'train', '--lr', 'abc']));
  help.push(timed([cli, '--help']));
}
console.log(
  `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, load ${loadavg()[0].toFixed(2)}`,
);
console.log(`median of ${runs} runs each, in turns\n`);
console.log('| command | median ms | over bare node |');
console.log('|---|---:|---:|');
for (const [name, xs] of [
  ["node -e ''", bare],
  ['gradstream train --lr abc', refuse],
  ['gradstream --help', help],
] as const) {
  console.log(`| \`${name}\` | ${median(xs).toFixed(0)} | ${(median(xs) - median(bare)).toFixed(0)} ms |`);
}
