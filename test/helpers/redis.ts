// A real Redis for the queue tests: Debian's `redis-server` (found like `npm test`'s set-up finds
// it), started on a free loopback port in a temporary folder, and stopped (its folder removed) by
// the test. Nothing assumes a Redis already running.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram, REDIS } from '../../scripts/test-setup.js';

/** A running test Redis. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its data folder (the append-only file lives here when `appendOnly`). */
  readonly dir: string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s); `keepDir` keeps its folder for a restart. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
  /**
   * Stops it and starts it again on the same port and folder (its append-only file reloaded),
   * `downMs` after it stopped (default 0: at once).
   */
  restart(options?: { downMs?: number }): Promise<void>;
}

/** A free loopback port (the OS picks one; a race with another process is possible but rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function redisPath(): string {
  const lookup = findProgram(REDIS);
  if (!lookup.found)
    throw new Error(`${lookup.problem}: run \`npm test\` (its pretest step installs or names it)`);
  return lookup.path;
}

function launch(port: number, dir: string, appendOnly: boolean): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', appendOnly ? 'yes' : 'no', '--appendfsync', 'always', '--protected-mode', 'yes');
  const child = spawn(redisPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within 10 s:\n${out}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a Redis for one test file. `appendOnly`: durable across `restart()` (default false). */
export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-redis-'));
  const port = await freePort();
  let child = await launch(port, dir, options.appendOnly ?? false);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async stop({ keepDir = false } = {}) {
      await stopChild(child);
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
    async restart({ downMs = 0 } = {}) {
      await stopChild(child);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch(port, dir, options.appendOnly ?? false);
    },
  };
}
