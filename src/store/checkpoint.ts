// Checkpoint files: written atomically (temp file, fsync, rename, fsync the folder) so a crash at any
// moment leaves the previous checkpoint intact; the newest K kept; the newest good one found on resume.

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { checkNumber, GradstreamError } from '../errors.js';
import { nonRegularKind } from '../file-kind.js';
import { type Checkpoint, checkpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';
import { validateCheckpoint } from './run-state.js';

/** Checkpoint file names: `ckpt-<step, 10 digits>.gsc`, so names sort by step. */
const NAME = /^ckpt-(\d{10})\.gsc$/;
/** Temp files: `.ckpt-….gsc.tmp-<pid>-<random>`; the pid lets a later writer clean up after a dead one. */
const TEMP = /^\.ckpt-\d{10}\.gsc\.tmp-(\d+)-[0-9a-f]+$/;

/** The checkpoint folder of a run in a store folder. */
export function checkpointDir(storeDir: string, runId: string): string {
  return join(resolve(storeDir), runId, 'checkpoints');
}

/** The file name of the checkpoint at `step`. */
export function checkpointName(step: number): string {
  return `ckpt-${String(step).padStart(10, '0')}.gsc`;
}

function fsyncDir(dir: string): void {
  // Makes the rename itself durable. Some platforms cannot open or fsync a folder; nothing to do there.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // ignored: see above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes `chunks` to `path` atomically: a reader sees the old file or the whole new one, never a part.
 * On any failure (a full disk in the middle of the data, the fsync, the close or the rename) the
 * temp file is removed before the error is rethrown, so nothing partial is left behind.
 */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const dir = resolve(path, '..');
  const temp = join(
    dir,
    `.${path.slice(dir.length + 1)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  let fd: number | undefined = openSync(temp, 'wx', 0o644);
  try {
    for (const chunk of chunks) {
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    try {
      if (fd !== undefined) closeSync(fd);
    } catch {
      // already failing: the write's error is the one to report
    }
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dir);
}

/** The checkpoints in `dir`, oldest first (none when the folder does not exist). */
export function listCheckpoints(dir: string): { readonly path: string; readonly step: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(resolve(dir), m[0]), step: Number(m[1]) }))
    .sort((a, b) => a.step - b.step);
}

/** Deletes all but the newest `keep` checkpoints, and temp files of writers that died. Returns what went. */
export function pruneCheckpoints(dir: string, keep: number): string[] {
  checkNumber('pruneCheckpoints', 'keep', keep, { min: 1, integer: true });
  const removed = listCheckpoints(dir)
    .slice(0, -keep)
    .map((c) => c.path);
  for (const name of readdirSync(dir)) {
    const m = TEMP.exec(name);
    if (m && Number(m[1]) !== process.pid && !isAlive(Number(m[1]))) removed.push(join(resolve(dir), name));
  }
  for (const path of removed) rmSync(path, { force: true });
  return removed;
}

/**
 * Saves `checkpoint` as `<dir>/ckpt-<step>.gsc` atomically, then keeps the newest `keep` (default 3).
 * Synchronous on purpose: a SIGINT handler can save and exit without racing the event loop.
 * The checkpoint is validated first, as a load would: a file that could not be loaded is never written.
 * Older checkpoints are pruned only once the new one is safely in place.
 *
 * @returns the checkpoint's path.
 * @throws GradstreamError `ERR_CHECKPOINT` when the checkpoint is invalid (nothing is written);
 *   `ERR_WRITE` when the file cannot be written (a full disk, an I/O error): no temp or partial file
 *   is left, and the older checkpoints are kept, e.g.
 *   `checkpoint runs/x/checkpoints/ckpt-0000000030.gsc: cannot write (ENOSPC: no space left on device); the checkpoints before it are kept`.
 */
export function saveCheckpoint(
  dir: string,
  checkpoint: Checkpoint,
  options: { readonly keep?: number } = {},
): string {
  const path = join(resolve(dir), checkpointName(checkpoint.step));
  validateCheckpoint(checkpoint, path);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(path, encodeCheckpoint(checkpoint));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code
      ? `${e.code}: ${e.message.replace(/^\w+: /, '').replace(/, \w+( '.*')?$/, '')}`
      : String(error);
    throw new GradstreamError(
      'ERR_WRITE',
      `checkpoint ${path}: cannot write (${why}); the checkpoints before it are kept`,
      {
        cause: error,
      },
    );
  }
  pruneCheckpoints(dir, options.keep ?? 3);
  return path;
}

/**
 * Reads and verifies a checkpoint file.
 *
 * @throws GradstreamError `ERR_CHECKPOINT` naming the file and the problem (missing, bad magic or
 *   version, truncated, checksum mismatch, malformed header, or a header field out of range — named
 *   with its allowed values and its value; see `checkCheckpoint`).
 */
export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Buffer;
  try {
    // A FIFO would block the read for ever, a device could be endless: only regular files are read.
    const kind = nonRegularKind(statSync(path));
    if (kind) throw checkpointError(path, `not a regular file (${kind})`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof GradstreamError) throw error;
    throw checkpointError(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return decodeCheckpoint(bytes, path);
}

/** A checkpoint found by {@link latestCheckpoint}, with the newer ones that were unreadable. */
export interface FoundCheckpoint {
  readonly path: string;
  readonly checkpoint: Checkpoint;
  /** Newer checkpoints skipped because they failed verification (only with `fallback`). */
  readonly skipped: readonly { readonly path: string; readonly error: GradstreamError }[];
}

/**
 * The newest checkpoint in `dir` that verifies, or undefined when there is none at all. A corrupt
 * newest checkpoint is an error unless `fallback` is set; then older ones are tried in turn. With
 * `atMost`, only checkpoints of that step or earlier are looked at.
 *
 * @throws GradstreamError `ERR_CHECKPOINT` when the newest is corrupt (without `fallback`), or every
 *   checkpoint is (with it).
 */
export function latestCheckpoint(
  dir: string,
  options: { readonly fallback?: boolean; readonly atMost?: number } = {},
): FoundCheckpoint | undefined {
  const { atMost } = options;
  const all = listCheckpoints(dir)
    .filter((c) => atMost === undefined || c.step <= atMost)
    .reverse();
  if (all.length === 0) return undefined;
  const skipped: { path: string; error: GradstreamError }[] = [];
  for (const { path } of all) {
    try {
      return { path, checkpoint: loadCheckpoint(path), skipped };
    } catch (error) {
      if (!(error instanceof GradstreamError)) throw error;
      if (!options.fallback) {
        const hint =
          all.length > 1
            ? `; ${all.length - 1} older checkpoint(s) exist: resume with fallback to use one`
            : '';
        throw new GradstreamError(error.code, `${error.message}${hint}`, { cause: error.cause });
      }
      skipped.push({ path, error });
    }
  }
  throw new GradstreamError(
    'ERR_CHECKPOINT',
    `no readable checkpoint in ${resolve(dir)}:\n${skipped.map((s) => s.error.message).join('\n')}`,
    {
      cause: { dir, problems: skipped.map((s) => s.error.message) },
    },
  );
}
