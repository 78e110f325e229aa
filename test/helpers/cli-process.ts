// A long-lived `gradstream` child (a standing dashboard, a trainer) that a test drives while it runs:
// its output so far, a wait for a line, its exit, and a kill that never leaves it behind.

import { type ChildProcess, spawn } from 'node:child_process';
import { CLI, ROOT } from './cli.js';

/** A running CLI child (see {@link startCli}). */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written so far. */
  readonly out: { stdout: string; stderr: string };
  /** Resolves with the first match of `pattern` in the stream (now or later); rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpExecArray>;
  /** The JSON lines printed on stdout (with `--json`), parsed. */
  events(): Record<string, unknown>[];
  /** Resolves with the exit code (or signal) once the child has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGKILL) unless it has exited. */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `gradstream ...args` (the compiled CLI) from the repository root. */
export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
      for (const l of [...listeners]) l();
    });
  });
  for (const stream of ['stdout', 'stderr'] as const)
    child[stream]!.on('data', (chunk: Buffer) => {
      out[stream] += chunk.toString();
      for (const l of [...listeners]) l();
    });
  return {
    child,
    out,
    exited,
    waitFor(pattern, stream = 'stderr', timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out[stream]);
          if (match) finish(() => resolve(match));
          else if (done)
            finish(() => reject(new Error(`exited before ${pattern}: ${out.stderr.slice(-2000)}`)));
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${out.stderr.slice(-2000)}`)),
            ),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    events() {
      return out.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return []; // a line still being written
          }
        });
    },
    kill(signal = 'SIGKILL') {
      if (!done) child.kill(signal);
    },
  };
}
