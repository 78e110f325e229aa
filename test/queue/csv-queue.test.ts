// CSV tables on the run queue, against a real Redis: a worker whose data roots hold the table trains a
// submitted CSV classifier to the same parameters, bit for bit, as the same config trained here, and
// its checkpoint in Redis carries the fitted preprocessing; a regression table's evaluations arrive
// with RMSE and MAE; a table outside the worker's roots (its test table too) is refused naming it.
// A run that starts from an exported model (`--init-from`) under the roots trains on a worker to the
// local run's parameters; a model file outside them is refused naming `model.initFrom`.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunDataAsync } from '../../src/config/data.js';
import { parseConfig } from '../../src/config/validate.js';
import { encodeSafetensors, safetensorsMetadata, sequentialStateDict } from '../../src/export/safetensors.js';
import { runKeys } from '../../src/queue/keys.js';
import { type RunWorker, startRunWorker } from '../../src/queue/run-worker.js';
import { submitRun } from '../../src/queue/submit.js';
import { decodeCheckpoint } from '../../src/store/checkpoint-format.js';
import type { EvalEvent, TrainEvent } from '../../src/train/events.js';
import { localDigest } from '../helpers/local-digest.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { regressionCsv } from '../helpers/regression-csv.js';
import { spiralsCsv } from '../helpers/spirals-csv.js';

const tables = mkdtempSync(join(tmpdir(), 'gradstream-csv-queue-'));
const outside = mkdtempSync(join(tmpdir(), 'gradstream-csv-outside-'));
writeFileSync(join(tables, 'spirals.csv'), spiralsCsv(600, 3));
writeFileSync(join(tables, 'spirals-test.csv'), spiralsCsv(200, 4));
writeFileSync(join(tables, 'regression.csv'), regressionCsv(600, 1));
writeFileSync(join(outside, 'spirals-test.csv'), spiralsCsv(200, 4));

let redis: TestRedis;
let worker: RunWorker;
beforeAll(async () => {
  redis = await startRedis();
  worker = await startRunWorker({ queue: redis.url, workers: 1, dataRoots: [tables], log: () => {} });
});
afterAll(async () => {
  await worker?.close();
  await redis?.stop();
});

const tableRun = (data: Record<string, unknown>) =>
  parseConfig({ model: { hidden: [16] }, batchSize: 50, steps: 60, workers: 1, seed: 3, data });

describe('CSV tables on the run queue', () => {
  it('trains a CSV classifier on a worker to the local run’s parameters; its Redis checkpoint holds the fit', async () => {
    const config = tableRun({
      dir: join(tables, 'spirals.csv'),
      test: join(tables, 'spirals-test.csv'),
      label: 'class',
    });
    const events: TrainEvent[] = await lastValueFrom(
      submitRun(config, { queue: redis.url, runId: 'csv-1' }).pipe(toArray()),
    );
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 60 });
    expect(events.some((e) => e.type === 'eval' && e.split === 'test')).toBe(true);

    const { Queue } = await import('bullmq');
    const queue = new Queue('runs', {
      connection: { host: '127.0.0.1', port: redis.port },
      prefix: 'gradstream',
    });
    await expect
      .poll(async () => (await queue.getJob('csv-1'))?.returnvalue, { timeout: 10_000 })
      .toMatchObject({ reason: 'completed', step: 60 });
    expect((await queue.getJob('csv-1'))?.returnvalue.paramsDigest).toBe(await localDigest(config));
    await queue.close();

    const client = new Redis(redis.port, '127.0.0.1');
    const bytes = await client.getBuffer(runKeys('csv-1').checkpoint);
    client.disconnect();
    const checkpoint = decodeCheckpoint(bytes!, 'redis');
    expect(checkpoint.preprocessing).toEqual((await loadRunDataAsync(config)).table?.preprocessing);
    expect(checkpoint.preprocessing?.input.kind).toBe('table');
  });

  it('a regression table: the evaluations arrive with RMSE and MAE', async () => {
    const config = tableRun({ dir: join(tables, 'regression.csv'), label: 'y' });
    const events: TrainEvent[] = await lastValueFrom(
      submitRun(config, { queue: redis.url, runId: 'csv-2' }).pipe(toArray()),
    );
    const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
    expect(evals.length).toBeGreaterThan(0);
    for (const e of evals) {
      expect(e.rmse).toBeGreaterThan(0);
      expect(e.mae).toBeGreaterThan(0);
    }
  });

  it('--init-from: starts from an exported model under the roots, bit for bit as here; outside them refused', async () => {
    // The model of run csv-1 (the first test's), exported from its checkpoint in Redis.
    const client = new Redis(redis.port, '127.0.0.1');
    const checkpoint = decodeCheckpoint((await client.getBuffer(runKeys('csv-1').checkpoint))!, 'redis');
    client.disconnect();
    const exported = encodeSafetensors(
      sequentialStateDict(checkpoint.model, checkpoint.params, checkpoint.buffers, checkpoint.updates),
      safetensorsMetadata(checkpoint, 'csv-1'),
    );
    writeFileSync(join(tables, 'csv-1.safetensors'), exported);
    writeFileSync(join(outside, 'csv-1.safetensors'), exported);
    const data = { dir: join(tables, 'spirals.csv'), label: 'class' };
    const tuned = parseConfig({
      ...tableRun(data),
      model: { hidden: [16], initFrom: join(tables, 'csv-1.safetensors') },
      steps: 20,
    });
    const events: TrainEvent[] = await lastValueFrom(
      submitRun(tuned, { queue: redis.url, runId: 'csv-tuned' }).pipe(toArray()),
    );
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 20 });
    const { Queue } = await import('bullmq');
    const queue = new Queue('runs', {
      connection: { host: '127.0.0.1', port: redis.port },
      prefix: 'gradstream',
    });
    await expect
      .poll(async () => (await queue.getJob('csv-tuned'))?.returnvalue, { timeout: 10_000 })
      .toMatchObject({ reason: 'completed', step: 20 });
    const digest = (await queue.getJob('csv-tuned'))?.returnvalue.paramsDigest;
    await queue.close();
    expect(digest).toBe(await localDigest(tuned));
    // Not a fresh start: the same run without the file ends elsewhere.
    expect(digest).not.toBe(
      await localDigest(parseConfig({ ...tuned, model: { ...tuned.model, initFrom: undefined } })),
    );

    const elsewhere = parseConfig({
      ...tuned,
      model: { ...tuned.model, initFrom: join(outside, 'csv-1.safetensors') },
    });
    await expect(
      lastValueFrom(submitRun(elsewhere, { queue: redis.url, runId: 'csv-tuned-2' })),
    ).rejects.toThrow(
      /run csv-tuned-2 refused: model\.initFrom: .*csv-1\.safetensors is outside the worker's data roots/,
    );
  });

  it('refuses a test table outside the worker’s data roots, naming the field', async () => {
    const config = tableRun({
      dir: join(tables, 'spirals.csv'),
      test: join(outside, 'spirals-test.csv'),
      label: 'class',
    });
    await expect(lastValueFrom(submitRun(config, { queue: redis.url, runId: 'csv-3' }))).rejects.toThrow(
      /run csv-3 refused: data\.test: .*spirals-test\.csv is outside the worker's data roots/,
    );
  });
});
