// The real `gradstream` CLI (built by the tests' global setup: see test/helpers/cli.ts) as a child
// process with a time limit, for the store tests: its exit code and output, and helpers to judge a
// one-line refusal.

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { CLI, ROOT } from '../helpers/cli.js';

export { ROOT };

/** How a child ended. `timedOut` when the time limit killed it. */
export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Killed with SIGKILL after this many ms. Default 60 s. */
  readonly timeoutMs?: number;
  /** Run as this user (and group), e.g. 65534 (nobody), so file permissions apply to it. */
  readonly uid?: number;
  /** Called with the child and the stderr so far on every stderr chunk (e.g. to stop a server). */
  readonly onStderr?: (stderr: string, child: ChildProcess) => void;
  /** The same for stdout. */
  readonly onStdout?: (stdout: string, child: ChildProcess) => void;
}

/** Runs `gradstream ...args` and resolves when it exits. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const spawnOptions: SpawnOptions = { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] };
  if (options.uid !== undefined) Object.assign(spawnOptions, { uid: options.uid, gid: options.uid });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], spawnOptions);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, timedOut });
    });
  });
}

/** The lines a child wrote to stderr (empty lines dropped). */
export const stderrLines = (r: CliResult): string[] => r.stderr.split('\n').filter((l) => l.trim() !== '');

/** True when the output holds a JavaScript stack frame. */
export const hasStackTrace = (text: string): boolean => /^\s+at /m.test(text);
