// Runs on the BullMQ queue against a real Redis (Debian's redis-server on a free loopback port): a
// submitted run's events arrive as a local run's would, its final parameters equal the same config
// trained locally bit for bit, and a hostile job is refused with a clear error while the worker goes on.

import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { maskUrl, parseQueueUrl } from '../../src/queue/queue-url.js';
import { type RunWorker, startRunWorker } from '../../src/queue/run-worker.js';
import { submitRun } from '../../src/queue/submit.js';
import type { TrainEvent } from '../../src/train/events.js';
import { localDigest } from '../helpers/local-digest.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { tinyRun } from '../helpers/tiny-run.js';

let redis: TestRedis;
let worker: RunWorker;
const lines: string[] = [];
beforeAll(async () => {
  redis = await startRedis();
  worker = await startRunWorker({ queue: redis.url, workers: 1, log: (l) => lines.push(l) });
});
afterAll(async () => {
  await worker?.close();
  await redis?.stop();
});

const small = (extra: Record<string, unknown> = {}) => parseConfig(tinyRun(120, extra));

/** The final parameters' digest of `config` trained here, in this process (the reference). */

describe('the run queue', () => {
  it('trains a submitted run on a worker: the same events as a local run, the same parameters bit for bit', async () => {
    const config = small();
    const events: TrainEvent[] = await lastValueFrom(
      submitRun(config, { queue: redis.url, runId: 'q-1', name: 'queued' }).pipe(toArray()),
    );
    expect(events[0]).toMatchObject({ type: 'start', runId: 'q-1', config: { name: 'queued' } });
    const steps = events.filter((e) => e.type === 'step').map((e) => e.step);
    expect(steps).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 120 });
    expect(events.some((e) => e.type === 'eval' && e.split === 'test')).toBe(true);
    const job = await import('bullmq').then(
      ({ Queue }) =>
        new Queue('runs', { connection: parseQueueUrl(redis.url).connection, prefix: 'gradstream' }),
    );
    // The run's end reaches the submitter before BullMQ marks its job completed.
    await expect
      .poll(async () => (await job.getJob('q-1'))?.returnvalue, { timeout: 10_000 })
      .toMatchObject({ reason: 'completed', step: 120 });
    const done = await job.getJob('q-1');
    expect(done?.returnvalue.paramsDigest).toBe(await localDigest(config));
    await job.close();
  });

  it('refuses a hostile job with a clear error naming the worker and the path, and keeps serving', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'gradstream-outside-'));
    // A link inside nothing the worker may read: resolved, it is still outside its roots.
    symlinkSync('/etc', join(outside, 'etc-link'));
    try {
      const hostile = { ...small(), data: { ...small().data, dir: join(outside, 'etc-link') } };
      await expect(lastValueFrom(submitRun(hostile, { queue: redis.url, runId: 'q-evil' }))).rejects.toThrow(
        new RegExp(
          `run q-evil failed on its worker: worker ${worker.name}: run q-evil refused: data.dir: .*etc-link is outside the worker's data roots`,
        ),
      );
      // An invalid config (as a hand-made job could carry) is refused the same way.
      const invalid = { ...small(), optimizer: { name: 'adam', lr: -1 } } as unknown as ReturnType<
        typeof small
      >;
      await expect(lastValueFrom(submitRun(invalid, { queue: redis.url, runId: 'q-bad' }))).rejects.toThrow(
        /run q-bad refused: optimizer\.lr/,
      );
      // The worker goes on serving.
      const after = await lastValueFrom(
        submitRun(small({ steps: 20 }), { queue: redis.url, runId: 'q-after' }),
      );
      expect(after).toMatchObject({ type: 'end', reason: 'completed', step: 20 });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('never shows credentials in a queue URL', () => {
    expect(maskUrl('redis://alice:s3cret@db.example:6380/2')).toBe('redis://***:***@db.example:6380/2');
    expect(() => parseQueueUrl('http://alice:s3cret@x')).toThrow(
      /--queue must be a Redis URL .*got http:\/\/\*\*\*:\*\*\*@x/,
    );
    expect(() => parseQueueUrl('http://alice:s3cret@x')).not.toThrow(/s3cret/);
    expect(parseQueueUrl('rediss://u:p%40ss@h/3').connection).toMatchObject({
      host: 'h',
      port: 6379,
      db: 3,
      username: 'u',
      password: 'p@ss',
      tls: {},
    });
  });
});
