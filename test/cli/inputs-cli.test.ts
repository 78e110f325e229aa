// The real `gradstream` binary refusing bad inputs before any work: sizes that cannot fit, data files
// that are no regular files, config files that are empty, deep or binary, and commander's own errors.
// Each refusal exits 2 within 5 s with one line on stderr, and writes no run into the store.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultMnistDir, MNIST_FILES } from '../../src/data/mnist.js';
import { RunStore } from '../../src/store/run-store.js';
import { CLI } from '../helpers/cli.js';

/**
 * The bound on a refusal. It is taken on top of the CLI's start-up (`gradstream --help`, timed
 * just before each refusal): from source through tsx, on a 2-core machine shared by other jobs,
 * start-up alone took 1.4–6.3 s, and it is not what a refusal is about.
 */
const REFUSAL_MS = 5_000;

interface Result {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly ms: number;
}

/** Runs the CLI with a hard time limit (SIGKILL: a hang or a runaway read must not outlive the test). */
function gradstream(args: readonly string[], timeout = 30_000): Result {
  const started = performance.now();
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
  });
  return {
    status: r.status,
    signal: r.signal,
    stderr: r.stderr,
    stdout: r.stdout,
    ms: performance.now() - started,
  };
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

const tmp = mkdtempSync(join(tmpdir(), 'gradstream-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** How long the CLI takes to start and exit right now (the load on the machine changes). */
function startupMs(): number {
  const help = gradstream(['--help']);
  expect(help.status, help.stderr).toBe(0);
  return help.ms;
}

/** A fresh, empty store (made by the library, so the CLI's refusal is the only thing under test). */
function emptyStore(): string {
  const dir = mkdtempSync(join(tmp, 'store-'));
  RunStore.open({ dir }).close();
  return dir;
}

/** The runs `runs list --json` shows. */
function listedRuns(store: string): unknown[] {
  const r = gradstream(['runs', 'list', '--json', '--store', store]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown[];
}

/** A refusal as the issue asks: exit 2, within 5 s, one line naming `what`, no run in the store. */
function expectRefused(args: readonly string[], what: string | RegExp): Result {
  const store = emptyStore();
  const startup = startupMs();
  const r = gradstream([...args, '--store', store], 60_000);
  expect(r.signal, `killed after ${r.ms.toFixed(0)} ms; stderr: ${r.stderr}`).toBeNull();
  expect(r.status, r.stderr).toBe(2);
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  if (typeof what === 'string') expect(r.stderr).toContain(what);
  else expect(r.stderr).toMatch(what);
  expect(r.ms - startup, `${r.ms.toFixed(0)} ms against a start-up of ${startup.toFixed(0)} ms`).toBeLessThan(
    REFUSAL_MS,
  );
  expect(listedRuns(store)).toEqual([]);
  return r;
}

/** A data folder with MNIST's four file names: the real files, except `replace`'s, which link elsewhere. */
function mnistDirWith(name: string, replace: Partial<Record<keyof typeof MNIST_FILES, string>>): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [key, file] of Object.entries(MNIST_FILES)) {
    const target = replace[key as keyof typeof MNIST_FILES] ?? join(defaultMnistDir(), file);
    symlinkSync(target, join(dir, file));
  }
  return dir;
}

describe('sizes that cannot fit are refused at validation, naming the field and the memory', () => {
  it('--batch-size 1e12', () => {
    const r = expectRefused(['train', '--batch-size', '1e12', '--no-dashboard'], /gradstream: batchSize: /);
    expect(r.stderr).toMatch(/54000 training samples/);
    expect(r.stderr).toMatch(/needs [\d.]+ [KMGTPE]?i?B of shared memory/);
  });

  it('--hidden 1000000000', () => {
    const r = expectRefused(
      ['train', '--hidden', '1000000000', '--no-dashboard'],
      /gradstream: model\.hidden: /,
    );
    expect(r.stderr).toMatch(/needs [\d.]+ [KMGTPE]?i?B of shared memory/);
    expect(r.stderr).toMatch(/parameters/);
  });

  it('--batch-size 100000 on a 300-sample training set', () => {
    const r = expectRefused(
      ['train', '--batch-size', '100000', '--train-limit', '300', '--no-dashboard'],
      /gradstream: batchSize: /,
    );
    expect(r.stderr).toMatch(/270 training samples/);
  });

  it('--validation 0.999 that leaves no training sample blames data.validation', () => {
    expectRefused(
      ['train', '--validation', '0.999', '--train-limit', '300', '--no-dashboard'],
      /gradstream: data\.validation: /,
    );
  });
});

describe('data files that are no regular files are refused before they are opened', () => {
  it('a FIFO', () => {
    const fifo = join(tmp, 'images.fifo');
    const made = spawnSync('mkfifo', [fifo]);
    expect(made.status, String(made.stderr)).toBe(0);
    const dir = mnistDirWith('fifo-data', { trainImages: fifo });
    const r = expectRefused(['train', '--data', dir, '--no-dashboard'], 'not a regular file');
    expect(r.stderr).toContain(join(dir, MNIST_FILES.trainImages));
  });

  it('/dev/zero through a symlink (a device: no read of it, let alone 24 GB)', () => {
    const dir = mnistDirWith('zero-data', { testLabels: '/dev/zero' });
    const r = expectRefused(['train', '--data', dir, '--no-dashboard'], 'not a regular file');
    expect(r.stderr).toContain(join(dir, MNIST_FILES.testLabels));
  });
});

/** A float IDX images file of `n` samples × `features`, NaN at flat index `nanAt` (if given). */
function floatImages(name: string, n: number, features: number, nanAt?: number): string {
  const bytes = Buffer.alloc(12 + 4 * n * features);
  bytes[2] = 0x0d;
  bytes[3] = 2;
  bytes.writeUInt32BE(n, 4);
  bytes.writeUInt32BE(features, 8);
  for (let i = 0; i < n * features; i++)
    bytes.writeFloatBE(i === nanAt ? Number.NaN : (i % 7) / 7, 12 + 4 * i);
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** A ubyte IDX labels file of `n` labels 0–9. */
function labelsFile(name: string, n: number): string {
  const bytes = Buffer.alloc(8 + n);
  bytes[2] = 0x08;
  bytes[3] = 1;
  bytes.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) bytes[8 + i] = i % 10;
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** A config file for a 4-feature model (4-8-10, batch 5) on the given data section. */
function smallJob(name: string, data: object): string {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify({ model: { sizes: [4, 8, 10] }, batchSize: 5, data }));
  return path;
}

describe('data sets that do not fit the run', () => {
  it('NaN in float images: one line naming the set, the file and the first bad index', () => {
    const images = floatImages('nan-images', 20, 4, 9);
    const job = smallJob('nan-job.json', { images, labels: labelsFile('nan-labels', 20) });
    expectRefused(
      ['train', '--config', job, '--no-dashboard'],
      `${images}: train sample 2, feature 1 (index 9) is NaN; inputs must be finite`,
    );
  });

  it('a test set of other features than the training set', () => {
    const testImages = floatImages('test-images-5', 6, 5);
    const job = smallJob('features-job.json', {
      images: floatImages('train-images-4', 20, 4),
      labels: labelsFile('train-labels-20', 20),
      testImages,
      testLabels: labelsFile('test-labels-6', 6),
    });
    expectRefused(
      ['train', '--config', job, '--no-dashboard'],
      `data.testImages: ${testImages}: 5 features per sample, but the training images have 4`,
    );
  });
});

describe('config files', () => {
  it('an empty YAML file is refused like an empty JSON file', () => {
    const yaml = join(tmp, 'empty.yaml');
    const json = join(tmp, 'empty.json');
    writeFileSync(yaml, '');
    writeFileSync(json, '');
    expectRefused(['train', '--config', yaml, '--no-dashboard'], `config file ${yaml}: `);
    expectRefused(['train', '--config', json, '--no-dashboard'], `config file ${json}: `);
  });

  it('200,000 levels of nested JSON give one line, not a stack overflow', () => {
    const file = join(tmp, 'deep.json');
    writeFileSync(file, `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    const r = expectRefused(['train', '--config', file, '--no-dashboard'], `config file ${file}: `);
    expect(r.stderr).toMatch(/nest/);
    const objects = join(tmp, 'deep-objects.json');
    writeFileSync(objects, `{"model":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`);
    expectRefused(['train', '--config', objects, '--no-dashboard'], `config file ${objects}: `);
  });

  it('a garbage binary YAML file is reported in one short line', () => {
    const file = join(tmp, 'garbage.yaml');
    // Deterministic bytes that are no YAML mapping: every byte value, many times over.
    const bytes = new Uint8Array(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 8) * 7) & 0xff;
    writeFileSync(file, bytes);
    const r = expectRefused(['train', '--config', file, '--no-dashboard'], `config file ${file}: `);
    expect(r.stderr.length).toBeLessThan(file.length + 300);
  });
});

describe("commander's own errors", () => {
  it.each([
    [['train', '--lr', 'abc'], "option '--lr <rate>' argument 'abc' is invalid", 'gradstream train --help'],
    [['train', '--bogus'], "unknown option '--bogus'", 'gradstream train --help'],
    [['resume'], "missing required argument 'run'", 'gradstream resume --help'],
    [['runs', '--bogus'], "unknown option '--bogus'", 'gradstream runs --help'],
    [['runs', 'list', '--bogus'], "unknown option '--bogus'", 'gradstream runs list --help'],
    [['runs', 'nope'], "unknown command 'nope'", 'gradstream runs --help'],
    [['dashboard', '--bogus'], "unknown option '--bogus'", 'gradstream dashboard --help'],
    [['lab', '--bogus'], "unknown option '--bogus'", 'gradstream lab --help'],
    [['bogus'], "unknown command 'bogus'", 'gradstream --help'],
  ])('%j: one line and a --help hint', (args, message, hint) => {
    const r = gradstream(args);
    expect(r.status, r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(hint);
  });
});
