// Checkpoints on a full disk (a real tmpfs): a write that runs out of space is one ERR_WRITE naming the
// file, leaves no temp file and no partial file, and prunes nothing: the older checkpoints stay, and
// load. With the space back, the next save works and prunes as usual.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GradstreamError } from '../../src/errors.js';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/store/checkpoint.js';
import { atStep, makeCheckpoint } from './checkpoint-fixture.js';
import { mountSmallDisk, type SmallDisk } from './tmpfs.js';

let disk: SmallDisk;
beforeEach(() => {
  disk = mountSmallDisk(2 * 2 ** 20);
});
afterEach(() => disk.unmount());

describe('saveCheckpoint on a full disk', () => {
  it('fails with one ERR_WRITE naming the file, leaving no temp or partial file and pruning nothing', () => {
    const dir = join(disk.dir, 'run', 'checkpoints');
    const c = makeCheckpoint(); // ~150 kB
    saveCheckpoint(dir, atStep(c, 10), { keep: 2 });
    saveCheckpoint(dir, atStep(c, 20), { keep: 2 });
    disk.fill(64 * 1024); // less than a checkpoint left
    const error = (() => {
      try {
        saveCheckpoint(dir, atStep(c, 30), { keep: 2 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(GradstreamError);
    expect((error as GradstreamError).code).toBe('ERR_WRITE');
    expect((error as GradstreamError).message).toBe(
      `checkpoint ${join(dir, 'ckpt-0000000030.gsc')}: cannot write (ENOSPC: no space left on device); the checkpoints before it are kept`,
    );
    expect(readdirSync(dir).sort()).toEqual(['ckpt-0000000010.gsc', 'ckpt-0000000020.gsc']);
    for (const { path } of listCheckpoints(dir)) expect(loadCheckpoint(path).step).toBeGreaterThan(0);

    disk.free();
    saveCheckpoint(dir, atStep(c, 30), { keep: 2 });
    expect(readdirSync(dir).sort()).toEqual(['ckpt-0000000020.gsc', 'ckpt-0000000030.gsc']);
  });

  it('fails with ERR_WRITE when not even the folder can be made', () => {
    disk.fill();
    expect(() => saveCheckpoint(join(disk.dir, 'a', 'b', 'checkpoints'), makeCheckpoint())).toThrow(
      /^checkpoint .*ckpt-0000000100\.gsc: cannot write \(ENOSPC: no space left on device\)/,
    );
  });
});
