// Every command against every damaged store (issue 14): a damaged store is one line naming the
// store file and what is wrong, exit 2, never a stack trace; one bad row never blocks the others.
// Each case builds its own damaged store and runs the real CLI in a child process.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, hasStackTrace, runCli, stderrLines } from './cli-child.js';
import { BAD_CONFIG, BAD_FINAL, DAMAGED, GOOD } from './damaged-stores.js';

type Command = (dir: string) => readonly string[];
const COMMANDS: Record<string, Command> = {
  train: (dir) => [
    'train',
    ...['--steps', '3', '--hidden', '8', '--train-limit', '300', '--batch-size', '50', '--workers', '1'],
    ...['--no-dashboard', '--store', dir],
  ],
  resume: (dir) => ['resume', GOOD, '--no-dashboard', '--store', dir],
  'resume damaged': (dir) => ['resume', BAD_CONFIG, '--no-dashboard', '--store', dir],
  list: (dir) => ['runs', 'list', '--store', dir],
  'list --json': (dir) => ['runs', 'list', '--json', '--store', dir],
  show: (dir) => ['runs', 'show', GOOD, '--store', dir],
  'show damaged': (dir) => ['runs', 'show', BAD_CONFIG, '--store', dir],
  export: (dir) => ['runs', 'export', GOOD, '--csv', '--store', dir],
  rm: (dir) => ['runs', 'rm', GOOD, '--store', dir],
  'rm damaged': (dir) => ['runs', 'rm', BAD_CONFIG, '--store', dir],
  dashboard: (dir) => ['dashboard', '--port', '0', '--store', dir],
};

/** A refusal: exit 2, one stderr line naming the store file, matching `why`. */
type Expect = (r: CliResult, dir: string) => void;
const refused =
  (why: RegExp): Expect =>
  (r, dir) => {
    expect(r.status, r.stderr).toBe(2);
    expect(stderrLines(r), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(join(dir, 'gradstream.db'));
    expect(r.stderr).toMatch(why);
  };
const works =
  (check: (r: CliResult) => void = () => {}): Expect =>
  (r) => {
    expect(r.status, r.stderr).toBe(0);
    check(r);
  };

/** The commands a store-wide damage is tried with (the `damaged` variants only differ on a bad row). */
const STORE_WIDE = ['train', 'resume', 'list', 'list --json', 'show', 'export', 'rm', 'dashboard'];
const everyCommand = (e: Expect) =>
  Object.fromEntries(STORE_WIDE.map((c) => [c, e])) as Record<string, Expect>;

const EXPECTED: Record<string, Record<string, Expect>> = {
  'not a database': everyCommand(refused(/not a SQLite database/)),
  'malformed pages': everyCommand(refused(/damaged: database disk image is malformed/)),
  // The runs table reads: the listing works, what reads or writes metrics is refused (train and
  // resume check every page before any work).
  'malformed metric pages': {
    ...everyCommand(refused(/damaged: (database disk image is malformed|.*page)/)),
    list: works((r) => expect(r.stdout).toMatch(/^20260101-000000-good\s+good\s+completed\s+20\s/m)),
    'list --json': works((r) => expect(JSON.parse(r.stdout)).toMatchObject([{ id: GOOD }])),
  },
  'missing table': everyCommand(refused(/damaged: table "runs" is missing/)),
  // SQLite's own view of an empty file: an empty database. Read commands see a store without
  // runs; `train` makes it a store.
  'zero-length': {
    train: works((r) => expect(r.stderr).toMatch(/completed/)),
    resume: refused(/unknown run "20260101-000000-good"/),
    list: works((r) => expect(r.stdout).toMatch(/^no runs in /)),
    'list --json': works((r) => expect(JSON.parse(r.stdout)).toEqual([])),
    show: refused(/unknown run/),
    export: refused(/unknown run/),
    rm: refused(/unknown run/),
    dashboard: works((r) => expect(r.stderr).toMatch(/0 stored run\(s\)/)),
  },
  'bad-row': {
    train: works((r) => expect(r.stderr).toMatch(/completed/)),
    // Not damage, so not the file: the completed run is left as it is (test/cli/lease.test.ts).
    resume: (r) => {
      expect(r.status, r.stderr).toBe(2);
      expect(stderrLines(r), r.stderr).toEqual([
        expect.stringMatching(/run 20260101-000000-good is completed/),
      ]);
    },
    'resume damaged': refused(/run 20260102-000000-badc is damaged: runs\.config is not valid JSON/),
    list: works((r) => {
      expect(r.stdout).toMatch(/^20260101-000000-good\s+good\s+completed\s+20\s/m);
      expect(r.stdout).toMatch(/^20260102-000000-badc\s+badc\s+damaged: runs\.config is not valid JSON/m);
      expect(r.stdout).toMatch(
        /^20260103-000000-badf\s+badf\s+damaged: runs\.final_metrics is not valid JSON/m,
      );
    }),
    'list --json': works((r) => {
      const runs = JSON.parse(r.stdout) as { id: string; status: string; damaged?: string }[];
      expect(runs.map((x) => [x.id, x.status, x.damaged])).toEqual([
        [GOOD, 'completed', undefined],
        [BAD_FINAL, 'completed', expect.stringMatching(/^runs\.final_metrics is not valid JSON/)],
        [BAD_CONFIG, 'stopped', expect.stringMatching(/^runs\.config is not valid JSON/)],
      ]);
    }),
    show: works((r) => expect(r.stdout).toMatch(/^loss\s+20\s+1–20\s+0\.05\s/m)),
    'show damaged': works((r) =>
      expect(r.stdout).toMatch(/^status\s+damaged: runs\.config is not valid JSON/m),
    ),
    export: works((r) => expect(r.stdout.split('\n').filter((l) => /^\d+,loss,/.test(l))).toHaveLength(20)),
    rm: works((r) => expect(r.stdout).toContain(`removed run ${GOOD}`)),
    'rm damaged': works((r) => expect(r.stdout).toContain(`removed run ${BAD_CONFIG}`)),
    dashboard: works((r) => expect(r.stderr).toMatch(/3 stored run\(s\)/)),
  },
};

const CASES = Object.entries(EXPECTED).flatMap(([store, byCommand]) =>
  Object.entries(byCommand).map(([command, expectation]) => ({ store, command, expectation })),
);

describe.concurrent('every command on a damaged store', () => {
  it.each(CASES)('$command on a store that is $store', async ({ store, command, expectation }) => {
    const dir = DAMAGED[store]();
    let stopped = false;
    const r = await runCli(COMMANDS[command](dir), {
      timeoutMs: command === 'train' ? 120_000 : 45_000,
      // The dashboard serves until a signal: stop it once it says what it serves.
      onStderr: (text, child) => {
        if (/stored run\(s\) at/.test(text) && !stopped) stopped = child.kill('SIGTERM');
      },
    });
    expect(r.timedOut, r.stderr).toBe(false);
    expect(hasStackTrace(r.stderr + r.stdout), r.stderr).toBe(false);
    expectation(r, dir);
  });
});

describe.concurrent('a --store that is no store, and bad dashboard flags', () => {
  const file = () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gradstream-store-file-')), 'notes.txt');
    writeFileSync(path, 'not a folder\n');
    return path;
  };
  const missing = () => join(mkdtempSync(join(tmpdir(), 'gradstream-store-missing-')), 'nowhere');
  const storeCases: [string, string, (store: string) => string[], () => string, RegExp][] = [
    [
      'train',
      'a file',
      (s) => ['train', '--steps', '3', '--no-dashboard', '--store', s],
      file,
      /not a folder/,
    ],
    ['runs list', 'a file', (s) => ['runs', 'list', '--store', s], file, /not a folder/],
    ['runs show', 'a file', (s) => ['runs', 'show', 'x', '--store', s], file, /not a folder/],
    ['dashboard', 'a file', (s) => ['dashboard', '--port', '0', '--store', s], file, /not a folder/],
    [
      'dashboard',
      'a missing folder',
      (s) => ['dashboard', '--port', '0', '--store', s],
      missing,
      /folder not found/,
    ],
  ];
  it.each(storeCases)(
    '%s with --store naming %s: one line naming it, exit 2',
    async (_name, _what, args, make, why) => {
      const store = make();
      const r = await runCli(args(store), { timeoutMs: 45_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(stderrLines(r)).toEqual([expect.stringContaining(store)]);
      expect(r.stderr).toMatch(why);
      expect(hasStackTrace(r.stderr)).toBe(false);
    },
  );

  it.each(['abc', '0', '-1', '2.5', ''])('dashboard --limit %j: one line, exit 2', async (limit) => {
    const dir = DAMAGED['bad-row']();
    const r = await runCli(['dashboard', '--port', '0', `--limit=${limit}`, '--store', dir], {
      timeoutMs: 45_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(stderrLines(r)).toEqual([
      `gradstream: --limit must be an integer ≥ 1, got ${JSON.stringify(limit)}`,
    ]);
  });
});
