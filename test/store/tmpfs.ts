// A small tmpfs for the disk-full tests: mounted on a fresh temp folder (the tests run as root, as CI
// does), filled to the last byte by a filler file, and freed again — a real ENOSPC / SQLITE_FULL,
// not an injected one.

import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted tmpfs. */
export interface SmallDisk {
  /** The mount point. */
  readonly dir: string;
  /** Fills the disk, leaving at most `leave` bytes free (a filler file grows until ENOSPC, then shrinks). */
  fill(leave?: number): void;
  /** Deletes the filler: the space is back. */
  free(): void;
  unmount(): void;
}

/** Mounts a tmpfs of `bytes` on a new temp folder; throws (naming the command) when mount is refused. */
export function mountSmallDisk(bytes: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-disk-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mount.status !== 0)
    throw new Error(`the disk-full tests mount a tmpfs (as root): mount failed: ${mount.stderr.trim()}`);
  const filler = join(dir, 'filler');
  return {
    dir,
    fill(leave = 0) {
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(4096, 1);
      let written = 0;
      try {
        for (;;) written += writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
      if (leave > 0) {
        // Shrink by whole pages: tmpfs frees them at once.
        const fd2 = openSync(filler, 'r+');
        try {
          ftruncateSync(fd2, Math.max(0, written - Math.ceil(leave / 4096) * 4096));
        } finally {
          closeSync(fd2);
        }
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
