import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointName,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from '../../src/store/checkpoint.js';
import { CHECKPOINT_MAGIC } from '../../src/store/checkpoint-format.js';
import { makeCheckpoint } from './checkpoint-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-ckpt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function flipBit(path: string, byte: number, bit = 0): void {
  const bytes = readFileSync(path);
  bytes[byte] ^= 1 << bit;
  writeFileSync(path, bytes);
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips every array bit for bit (NaN, −0, ∞ included) and every field', () => {
    const c = makeCheckpoint();
    const path = saveCheckpoint(dir, c);
    expect(path).toBe(join(dir, checkpointName(100)));
    const back = loadCheckpoint(path);
    expect(bits(back.params)).toEqual(bits(c.params));
    expect(bits(back.buffers)).toEqual(bits(c.buffers));
    expect(Object.keys(back.slots)).toEqual(Object.keys(c.slots));
    for (const name of Object.keys(c.slots)) expect(bits(back.slots[name])).toEqual(bits(c.slots[name]));
    expect(back.buffers.length).toBeGreaterThan(0);
    const { params: _p, buffers: _b, slots: _s, ...meta } = back;
    const { params: _p2, buffers: _b2, slots: _s2, ...expected } = c;
    expect(meta).toEqual(expected);
  });

  it('detects a truncated file, naming it', () => {
    const path = saveCheckpoint(dir, makeCheckpoint());
    const size = readFileSync(path).length;
    for (const length of [size - 1, Math.floor(size / 2), 40, 20, 0]) {
      truncateSync(path, length);
      expect(() => loadCheckpoint(path), `length ${length}`).toThrow(
        expect.objectContaining({
          code: 'ERR_CHECKPOINT',
          message: expect.stringMatching(new RegExp(`^checkpoint ${path}: truncated`)),
        }),
      );
      saveCheckpoint(dir, makeCheckpoint());
    }
  });

  it('detects a flipped bit anywhere in the file', () => {
    const path = saveCheckpoint(dir, makeCheckpoint());
    const size = readFileSync(path).length;
    const original = readFileSync(path);
    for (const byte of [0, 9, 13, 20, 200, Math.floor(size / 2), size - 40, size - 1]) {
      flipBit(path, byte, byte % 8);
      expect(() => loadCheckpoint(path), `byte ${byte}`).toThrow(
        expect.objectContaining({ code: 'ERR_CHECKPOINT' }),
      );
      writeFileSync(path, original);
    }
    flipBit(path, Math.floor(size / 2));
    expect(() => loadCheckpoint(path)).toThrow(`checkpoint ${path}: checksum mismatch: the file is corrupt`);
  });

  it('names a wrong magic, an unknown version and a missing file', () => {
    const path = saveCheckpoint(dir, makeCheckpoint());
    const bytes = readFileSync(path);
    writeFileSync(path, Buffer.concat([Buffer.from('PK\x03\x04....'), bytes.subarray(8)]));
    expect(() => loadCheckpoint(path)).toThrow(`checkpoint ${path}: not a gradstream checkpoint (bad magic)`);
    bytes.writeUInt32LE(7, CHECKPOINT_MAGIC.length);
    writeFileSync(path, bytes);
    expect(() => loadCheckpoint(path)).toThrow(
      `checkpoint ${path}: format version 7 is not supported (this gradstream reads 1)`,
    );
    expect(() => loadCheckpoint(join(dir, 'none.gsc'))).toThrow(
      `checkpoint ${join(dir, 'none.gsc')}: cannot read (ENOENT)`,
    );
  });
});

describe('pruneCheckpoints', () => {
  it('refuses a FIFO or a folder named like a checkpoint at once, without reading it', () => {
    const fifo = join(dir, checkpointName(200));
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    mkdirSync(join(dir, checkpointName(300)));
    // Reading the FIFO would block for ever (no writer): the check must come before any read.
    expect(() => loadCheckpoint(fifo)).toThrow(`checkpoint ${fifo}: not a regular file (a FIFO)`);
    expect(() => loadCheckpoint(join(dir, checkpointName(300)))).toThrow(
      /: not a regular file \(a folder\)$/,
    );
    saveCheckpoint(dir, makeCheckpoint());
    const found = latestCheckpoint(dir, { fallback: true });
    expect(found?.checkpoint.step).toBe(100);
    expect(found?.skipped.map((s) => s.path)).toEqual([join(dir, checkpointName(300)), fifo]);
  });

  it('keeps the newest K, and removes temp files of dead writers only', () => {
    for (const step of [5, 1, 30, 12]) saveCheckpoint(dir, makeCheckpoint(undefined, step), { keep: 10 });
    const dead = join(dir, `.${checkpointName(3)}.tmp-999999999-abcd`);
    const live = join(dir, `.${checkpointName(4)}.tmp-${process.ppid}-abcd`);
    writeFileSync(dead, 'x');
    writeFileSync(live, 'x');
    expect(pruneCheckpoints(dir, 2).sort()).toEqual(
      [dead, join(dir, checkpointName(1)), join(dir, checkpointName(5))].sort(),
    );
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([12, 30]);
    expect(readdirSync(dir)).toContain(live.slice(dir.length + 1));
    saveCheckpoint(dir, makeCheckpoint(undefined, 31), { keep: 1 });
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([31]);
  });
});

describe('latestCheckpoint', () => {
  it('returns undefined for an empty or missing folder', () => {
    expect(latestCheckpoint(dir)).toBeUndefined();
    expect(latestCheckpoint(join(dir, 'none'))).toBeUndefined();
  });

  it('refuses a corrupt newest checkpoint, and falls back to an older good one only when asked', () => {
    saveCheckpoint(dir, makeCheckpoint(undefined, 10));
    saveCheckpoint(dir, makeCheckpoint(undefined, 20));
    const newest = join(dir, checkpointName(20));
    expect(latestCheckpoint(dir)?.checkpoint.step).toBe(20);
    flipBit(newest, 100);
    expect(() => latestCheckpoint(dir)).toThrow(
      `checkpoint ${newest}: checksum mismatch: the file is corrupt; 1 older checkpoint(s) exist: resume with fallback to use one`,
    );
    const found = latestCheckpoint(dir, { fallback: true });
    expect(found?.path).toBe(join(dir, checkpointName(10)));
    expect(found?.checkpoint.step).toBe(10);
    expect(found?.skipped.map((s) => s.path)).toEqual([newest]);
    flipBit(found?.path as string, 100);
    expect(() => latestCheckpoint(dir, { fallback: true })).toThrow(
      /^no readable checkpoint in .*\n.*checksum mismatch.*\n.*checksum mismatch/,
    );
  });
});

describe('a writer killed mid-checkpoint', () => {
  const WRITER = fileURLToPath(new URL('./checkpoint-writer.ts', import.meta.url));
  const temps = () => readdirSync(dir).filter((name) => name.includes('.tmp-'));

  /**
   * Starts the looping writer (48 MB per checkpoint) and SIGKILLs it once it has saved `after`
   * checkpoints: the moment its next temp file appears (mid-write), or `delayMs` after the save.
   */
  function killWriter(after: number, when: 'mid-write' | number): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(5000)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let saved = 0;
      // Never hang: a writer that makes no temp file (not atomic) is killed anyway, and fails below.
      const safety = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const watcher = watch(dir, (_event, name) => {
        if (when === 'mid-write' && saved >= after && name?.includes('.tmp-')) child.kill('SIGKILL');
      });
      child.stdout.on('data', (d: Buffer) => {
        saved += String(d)
          .split('\n')
          .filter((l) => l.startsWith('saved')).length;
        if (saved === after && typeof when === 'number') setTimeout(() => child.kill('SIGKILL'), when);
      });
      child.on('exit', (_code, signal) => {
        watcher.close();
        clearTimeout(safety);
        if (signal === 'SIGKILL') resolve(saved);
        else reject(new Error(`writer exited: ${signal}`));
      });
    });
  }

  it('leaves the last complete checkpoint readable, whenever the kill lands', async () => {
    for (const when of ['mid-write', 'mid-write', 0, 40] as const) {
      const saved = await killWriter(2, when);
      if (when === 'mid-write') expect(temps()).toHaveLength(1);
      const found = latestCheckpoint(dir);
      const step = found?.checkpoint.step as number;
      expect(step).toBeGreaterThanOrEqual(saved);
      expect(found?.checkpoint.params.every((v) => v === step)).toBe(true);
      // The next save cleans up the dead writer's temp file.
      saveCheckpoint(dir, makeCheckpoint(undefined, step + 1), { keep: 2 });
      expect(temps()).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
    }
  });
});
