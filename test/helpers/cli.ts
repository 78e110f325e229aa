// How tests start the real `gradstream` binary: the compiled `dist/src/cli/main.js`, which the
// integration tests' global setup (test/helpers/build-cli.ts) builds from this tree before any test
// runs. It is what an installed package runs, and it starts in about half the time of the TypeScript
// through tsx (0.6 s against 1.2 s on the 2-core machine) — a start the CLI tests pay hundreds of times.

import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, so children run from it whatever vitest's cwd. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Node's arguments that start the CLI: `spawn(process.execPath, [...CLI, 'train', …])`. */
export const CLI: readonly string[] = [fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url))];

/** Runs `gradstream ...args` to its end (3 minutes at most): status, stdout and stderr. */
export function gradstream(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 180_000 });
}

/** The events of a `--json` run's stdout, one JSON object a line. */
export function jsonEvents<E = { type: string }>(stdout: string): E[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as E);
}

/** Runs the CLI with --json, calling `onEvent` for each event line as it comes; resolves with the exit code. */
export function streamEvents(
  args: readonly string[],
  onEvent: (e: { type: string; step?: number }, child: ChildProcess) => void,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onEvent(JSON.parse(line), child);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/** Runs the CLI with --json and sends `signal` once it reports step `step` or later; resolves with the exit code. */
export function signalAtStep(
  args: readonly string[],
  step: number,
  signal: NodeJS.Signals,
): Promise<number | null> {
  let sent = false;
  return streamEvents(args, (e, child) => {
    if (!sent && e.type === 'step' && (e.step ?? 0) >= step) {
      sent = true;
      child.kill(signal);
    }
  });
}
