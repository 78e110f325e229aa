// bench/compare-refs: one benchmark on two versions of the code, side by side in one script. Each
// round runs the bench once in the base tree and once in this working tree, in alternating order;
// every bench run measures its rows against its own plain loop in the same process, so the machine's
// drift between runs cancels in each run's ratio, and the rounds pair the two versions' ratios.
// The base is checked out (git worktree) into a temporary folder that shares this tree's node_modules,
// and its wasm kernels are built there. The bench's own file is this tree's in both (copied into the
// base), so only the library under it differs; environment variables (e.g. the pipeline bench's
// BENCH_VARIANTS) reach both runs.
// Usage: npx tsx bench/compare-refs.ts <base-ref>[..<head-ref>] [rounds=3] [bench=pipeline] [bench args…]
// (without ..<head-ref> the head is this working tree)
// e.g.   npx tsx bench/compare-refs.ts 3bcc353 5 pipeline 1500 1 500

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [refs, roundsArg = '3', bench = 'pipeline', ...benchArgs] = process.argv.slice(2);
const [baseRef, headRef] = (refs ?? '').split('..');
if (!baseRef) {
  process.stderr.write('usage: npx tsx bench/compare-refs.ts <base-ref> [rounds] [bench] [bench args…]\n');
  process.exit(2);
}
const rounds = Number(roundsArg);
const tree = resolve(import.meta.dirname, '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: tree, encoding: 'utf8' }).trim();
const baseCommit = git('rev-parse', '--short', baseRef);
const headCommit = headRef
  ? git('rev-parse', '--short', headRef)
  : `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''}`;
/** A worktree of `ref` in a temporary folder, sharing this tree's node_modules, its wasm built. */
const checkout = (ref: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-ref-'));
  git('worktree', 'add', '--detach', dir, ref);
  symlinkSync(join(tree, 'node_modules'), join(dir, 'node_modules'), 'dir');
  execFileSync('npx', ['tsx', 'scripts/build-wasm.ts'], { cwd: dir, stdio: 'ignore' });
  copyFileSync(join(tree, 'bench', `${bench}.bench.ts`), join(dir, 'bench', `${bench}.bench.ts`));
  return dir;
};
const base = checkout(baseRef);
const head = headRef ? checkout(headRef) : tree;
try {
  /** One bench run in `dir`: its table's rows, label → the last numeric column named "paired". */
  const runOnce = (dir: string): Map<string, number> => {
    const file = join(dir, 'bench', `${bench}.bench.ts`);
    if (!existsSync(file)) throw new Error(`no bench ${file}`);
    const out = execFileSync('npx', ['tsx', file, ...benchArgs], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const lines = out.split('\n').filter((l) => l.startsWith('|'));
    const header = lines[0].split('|').map((c) => c.trim());
    const column = header.findIndex((c) => c.includes('paired'));
    const rows = new Map<string, number>();
    for (const line of lines.slice(2)) {
      const cells = line.split('|').map((c) => c.trim());
      const value = Number(cells[column]);
      if (Number.isFinite(value)) rows.set(cells[1], value);
    }
    return rows;
  };

  const results = { base: [] as Map<string, number>[], head: [] as Map<string, number>[] };
  for (let r = 0; r < rounds; r++) {
    // Alternate which version goes first: a run's place in the round matters on a noisy machine.
    const order: ('base' | 'head')[] = r % 2 === 0 ? ['base', 'head'] : ['head', 'base'];
    for (const which of order) results[which].push(runOnce(which === 'base' ? base : head));
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\nbench/compare-refs — bench/${bench}.bench.ts ${benchArgs.join(' ')}; base ${baseCommit}, head ${headCommit}; ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; ${rounds} rounds, alternating order\n`,
  );
  console.log(
    '| row | base × loop (median) | head × loop (median) | head / base (median of paired ratios) | head / base per round |',
  );
  console.log('|---|---:|---:|---:|---|');
  for (const label of results.head[0].keys()) {
    const b = results.base.map((m) => m.get(label) ?? Number.NaN);
    const h = results.head.map((m) => m.get(label) ?? Number.NaN);
    const ratios = h.map((x, i) => x / b[i]);
    console.log(
      `| ${label} | ${median(b).toFixed(2)} | ${median(h).toFixed(2)} | ${median(ratios).toFixed(3)} | ${ratios.map((x) => x.toFixed(2)).join(', ')} |`,
    );
  }
} finally {
  for (const dir of headRef ? [base, head] : [base]) {
    git('worktree', 'remove', '--force', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
