// Fuzzes the checkpoint reader: arbitrary bytes, and mutations of a valid checkpoint written by the real
// writer (bit flips, truncations, splices, overwrites; with and without a recomputed SHA-256, so the
// mutations reach the header and array checks), and header edits that put big, negative or odd values
// into every field. Through `decodeCheckpoint` and `toResumeState`, the only allowed outcomes are a
// checkpoint or a `GradstreamError`: never another exception, never a hang, never a big allocation.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradstreamError } from '../../src/errors.js';
import { saveCheckpoint } from '../../src/store/checkpoint.js';
import { decodeCheckpoint } from '../../src/store/checkpoint-format.js';
import { toResumeState } from '../../src/store/run-state.js';
import { editCheckpoint, type JsonHeader, makeCheckpoint, readRaw } from '../store/checkpoint-fixture.js';
import { fuzzParameters, onlyGradstreamErrors } from './fuzz-runs.js';

/** The most a single decode may add to the process's array buffers (the valid file is ~10 kB). */
const MAX_ALLOCATION = 32 * 2 ** 20;
/** The longest a single decode may take (generous: the machine is shared). */
const MAX_MS = 5_000;

let dir: string;
let valid: Buffer;
const stackTraceLimit = Error.stackTraceLimit;

beforeAll(() => {
  // Most cases end in an error whose stack nobody reads; capturing it was most of a case's time.
  Error.stackTraceLimit = 0;
  dir = mkdtempSync(join(tmpdir(), 'gradstream-ckpt-fuzz-'));
  // A tiny model (784-1-10, Adam: two slots; ~10 kB), written by the real writer.
  const checkpoint = makeCheckpoint({ model: { hidden: [1] }, steps: 10, batchSize: 4 }, 5);
  valid = readFileSync(saveCheckpoint(dir, checkpoint));
});
afterAll(() => {
  Error.stackTraceLimit = stackTraceLimit;
  rmSync(dir, { recursive: true, force: true });
});

let worstMs = 0;
let worstBytes = 0;

/** Decodes `bytes` and turns the checkpoint into a resume state, timing it and watching allocations. */
function readBack(bytes: Buffer): boolean {
  const before = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  const ok = onlyGradstreamErrors(() => toResumeState(decodeCheckpoint(bytes, 'fuzz.gsc'), { runId: 'r' }));
  worstMs = Math.max(worstMs, performance.now() - started);
  worstBytes = Math.max(worstBytes, process.memoryUsage().arrayBuffers - before);
  return ok;
}

/** `body` with its SHA-256 recomputed (the last 32 bytes replaced), so only the field checks can refuse it. */
function rehash(bytes: Buffer): Buffer {
  if (bytes.length < 32) return bytes;
  const body = bytes.subarray(0, bytes.length - 32);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** One mutation of a file's bytes. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; remove: number; insert: Uint8Array }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'u32'; at: number; value: number };

// Mostly in the prefix and the JSON header (~1.5 kB), where a change with a fixed checksum reaches
// the field checks; sometimes anywhere (the arrays, the checksum).
const position = fc.oneof(
  { arbitrary: fc.nat({ max: 2048 }), weight: 3 },
  { arbitrary: fc.nat(), weight: 1 },
);
const u32Value = fc.oneof(
  fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 29, 2 ** 31 - 16, 16),
  fc.nat({ max: 0xffffffff }),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: position,
    remove: fc.nat({ max: 64 }),
    insert: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: position,
    bytes: fc.uint8Array({ maxLength: 16 }),
  }),
  // The version and header-length words, or any word.
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.oneof(fc.constantFrom(8, 12), position),
    value: u32Value,
  }),
);

function mutate(bytes: Buffer, m: Mutation): Buffer {
  const at = bytes.length === 0 ? 0 : m.at % (bytes.length + 1);
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(bytes);
      if (out.length > 0) out[at % out.length] ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, at);
    case 'splice':
      return Buffer.concat([
        bytes.subarray(0, at),
        m.insert,
        bytes.subarray(Math.min(bytes.length, at + m.remove)),
      ]);
    case 'overwrite': {
      const out = Buffer.from(bytes);
      out.set(m.bytes.subarray(0, Math.max(0, out.length - at)), at);
      return out;
    }
    case 'u32': {
      const out = Buffer.from(bytes);
      if (at + 4 <= out.length) out.writeUInt32LE(m.value, at);
      return out;
    }
  }
}

/**
 * Stands for `[[[ … 1 … ]]]`, `depth` levels deep: spliced into the header's JSON text as it is
 * written (JSON.stringify itself would overflow on the nest), and printed short in a report.
 */
class DeepNest {
  constructor(readonly depth: number) {}
  toJSON(): string {
    return `\u0000deep:${this.depth}`;
  }
  toString(): string {
    return `DeepNest(${this.depth})`;
  }
}

/** The header JSON with every DeepNest placeholder replaced by its nest. */
function expandNests(json: string): string {
  return json.replace(
    /"\\u0000deep:(\d+)"/g,
    (_, depth) => `${'['.repeat(Number(depth))}1${']'.repeat(Number(depth))}`,
  );
}

/** Values to put into header fields: big and negative numbers, wrong types, deep nests. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    0.5,
    2 ** 29,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    -(2 ** 53),
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    null,
    true,
    '',
    'params',
    'slot/x',
    [],
    {},
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
  // A nest deep enough to break a recursive walker, built when applied (so a report can print it).
  fc.integer({ min: 20, max: 10_000 }).map((depth) => new DeepNest(depth)),
);

/** Header paths worth hitting: framing, every field of the checkpoint, config and model entries. */
const HEADER_PATHS: readonly (readonly (string | number)[])[] = [
  ['format'],
  ['endian'],
  ['payloadBytes'],
  ['arrays'],
  ['arrays', 0],
  ['arrays', 0, 'name'],
  ['arrays', 0, 'offset'],
  ['arrays', 0, 'length'],
  ['arrays', 1, 'length'],
  ['arrays', 2, 'name'],
  ['arrays', 2, 'length'],
  ['arrays', 3, 'offset'],
  ['step'],
  ['updates'],
  ['epochLoss'],
  ['epochLoss', 'sum'],
  ['epochLoss', 'steps'],
  ['runId'],
  ['cursor'],
  ['cursor', 'epoch'],
  ['cursor', 'position'],
  ['cursor', 'stepsPerEpoch'],
  ['model'],
  ['model', 'sizes'],
  ['model', 'sizes', 0],
  ['model', 'sizes', 1],
  ['model', 'activation'],
  ['model', 'batchNorm'],
  ['config'],
  ['config', 'batchSize'],
  ['config', 'steps'],
  ['config', 'seed'],
  ['config', 'model'],
  ['config', 'model', 'sizes'],
  ['config', 'optimizer'],
  ['config', 'optimizer', 'name'],
  ['config', 'optimizer', 'schedule'],
  ['config', 'data'],
  ['extra'],
  ['rng'],
  ['scheduleCount'],
];

/** `editCheckpoint` with the header's nests expanded as it is written (the checksum recomputed). */
function editHeader(bytes: Buffer, edit: (header: JsonHeader) => void): Buffer {
  const { header, payload } = readRaw(bytes);
  edit(header);
  const json = Buffer.from(expandNests(JSON.stringify(header)), 'utf8');
  const prefix = Buffer.from(bytes.subarray(0, 16));
  prefix.writeUInt32LE(json.length, 12);
  const pad = Buffer.alloc((8 - ((16 + json.length) % 8)) % 8);
  const body = Buffer.concat([prefix, json, pad, payload]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Sets (or, for `undefined`, deletes) the value at `path`, creating nothing that is not there. */
function setAt(header: JsonHeader, path: readonly (string | number)[], value: unknown): void {
  let node: JsonHeader | undefined = header;
  for (const key of path.slice(0, -1)) {
    node = node?.[key as string];
    if (typeof node !== 'object' || node === null) return;
  }
  const last = path.at(-1) as string;
  if (Array.isArray(node) && last === 'length') return; // an array's own length, not a field
  if (value === undefined) {
    if (!Array.isArray(node)) delete node[last];
  } else {
    // A copy: fast-check hands out its constants (`[]`, `{}`) again, and an edit may nest into one.
    (node as Record<string, unknown>)[last] = value instanceof DeepNest ? value : structuredClone(value);
  }
}

/** Runs a property with the fuzz suite's case count and seed. */
const fuzz = <Ts>(property: fc.IRawProperty<Ts>) =>
  fc.assert(property, fuzzParameters() as fc.Parameters<Ts>);

describe('the checkpoint reader under fuzzing', () => {
  it('reads the valid file back (the seed of the mutations)', () => {
    expect(toResumeState(decodeCheckpoint(valid, 'valid.gsc'), { runId: 'r' }).step).toBe(5);
  });

  it('gives only GradstreamErrors for arbitrary bytes', () => {
    fuzz(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => readBack(Buffer.from(bytes))));
  });

  it('gives only GradstreamErrors for arbitrary bytes behind a valid magic and version', () => {
    const prefix = valid.subarray(0, 12); // the magic and the version
    fuzz(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), (bytes, hashed) => {
        const file = Buffer.concat([prefix, bytes]);
        return readBack(hashed ? rehash(file) : file);
      }),
    );
  });

  it('gives only GradstreamErrors for mutations of a valid checkpoint, with and without a fixed checksum', () => {
    fuzz(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (mutations, hashed) => {
        const file = mutations.reduce(mutate, valid);
        return readBack(hashed ? rehash(file) : file);
      }),
    );
  });

  it('gives only GradstreamErrors for header fields set to odd values (checksum recomputed)', () => {
    fuzz(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...HEADER_PATHS), fc.option(oddValue, { nil: undefined })), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) =>
          readBack(
            editHeader(valid, (header) => {
              for (const [path, v] of edits) setAt(header, path, v);
            }),
          ),
      ),
    );
  });

  it('refuses a header that claims a 2 GB array before allocating it', () => {
    for (const [length, payloadBytes] of [
      [2 ** 29, 2 ** 31],
      [2 ** 29, undefined],
      [2 ** 31 - 1, 2 ** 33],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ] as const) {
      const file = editCheckpoint(valid, (header) => {
        header.arrays[0].length = length;
        if (payloadBytes !== undefined) header.payloadBytes = payloadBytes;
      });
      const before = process.memoryUsage().arrayBuffers;
      expect(() => decodeCheckpoint(file, 'big.gsc')).toThrow(GradstreamError);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(MAX_ALLOCATION);
    }
  });

  it('never took long or allocated much on any case above', () => {
    expect(worstMs).toBeLessThan(MAX_MS);
    expect(worstBytes).toBeLessThan(MAX_ALLOCATION);
  });
});
