// One queued run on a worker: the job's config validated here as on the CLI (and its data paths
// kept under the worker's data roots), resumed from the run's newest checkpoint in Redis when another
// worker had it before, trained on this machine's pool, its events relayed to the run's stream, its
// checkpoints written to Redis (every worker can read them), its control requests taken from Redis.

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { lastValueFrom, tap } from 'rxjs';
import * as z from 'zod';
import { buildRun } from '../config/build.js';
import { checkResumedPreprocessing, loadRunDataAsync, type RunData } from '../config/data.js';
import { pickOptions } from '../config/options.js';
import type { RunConfig } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { GradstreamError } from '../errors.js';
import { initialWeights } from '../model/init-from.js';
import type { FlatWeights } from '../model/state-dict.js';
import { createController, type RunController } from '../pipeline/controller.js';
import { captureResumeState, createTrainingSession, type ResumeState } from '../pipeline/train.js';
import { CONTROL_ACTIONS } from '../protocol/control.js';
import { decodeCheckpoint, encodeCheckpoint } from '../store/checkpoint-format.js';
import { toCheckpoint, toResumeState } from '../store/run-state.js';
import { dataRootProblems, pathProblem, withAbsoluteData } from './data-roots.js';
import { FINISHED_TTL_SECONDS, runKeys } from './keys.js';
import { createRelay } from './relay.js';

/** A queued job's data: the run's id and name, and its config (the same schema as `train`'s). */
export const queuedRunSchema = z.object({
  runId: z.string().regex(/^[\w.:/-]{1,200}$/, 'a run id of letters, digits and . : / _ -'),
  name: z.string().max(500).optional(),
  config: z.unknown(),
});

/** See {@link queuedRunSchema}. */
export type QueuedRun = z.infer<typeof queuedRunSchema>;

/** What a worker gives each run. */
export interface QueuedRunContext {
  /** Commands (relay, control, checkpoints): a connection of the worker's own. */
  readonly redis: Redis;
  /** `host:pid` of the worker, for messages. */
  readonly worker: string;
  readonly dataRoots: readonly string[];
  /** Worker threads per run on this machine (overrides the config's `workers`; sync results do not depend on it). */
  readonly workers?: number;
  /** Called with the run's controller once it exists (the worker stops it to drain). */
  readonly onController?: (controller: RunController) => void;
  /** True once the worker drains: a stop is then not the run's end, and its end is not relayed. */
  readonly draining: () => boolean;
}

/** How a queued run ended on this worker. */
export interface QueuedRunResult {
  readonly runId: string;
  /** `drained`: stopped because the worker drains; checkpointed, the job goes back to the queue. */
  readonly reason: 'completed' | 'stopped' | 'drained';
  readonly step: number;
  readonly testAccuracy: number | undefined;
  /** SHA-256 of the final parameters' bytes (float32, little-endian): equal runs, equal digests. */
  readonly paramsDigest: string | undefined;
  readonly worker: string;
  /** The checkpoint step it resumed from, when another worker had the run before. */
  readonly resumedFrom: number | undefined;
}

/** A job that can never succeed (bad config, data outside the roots): failed at once, not retried. */
export class RefusedJobError extends GradstreamError {}

/**
 * When the config sets no checkpoint interval, a queued run (which must be resumable by another
 * worker) checkpoints every this many ms, at the first safe point after it: by time, not steps — a
 * checkpoint is the whole state (1.3 MB for the default model), and every 200 steps cost a fast run
 * 5–18% (bench/queue); a takeover then replays at most this much work.
 */
export const QUEUED_CHECKPOINT_MS = 10_000;

/** Safe points (where a time-due checkpoint can be taken) every this many steps, as sync chunks end. */
const QUEUED_SAFE_POINT_EVERY = 50;

/** The job's config as this worker will run it, or a {@link RefusedJobError} saying why not. */
export function acceptJob(
  data: unknown,
  ctx: Pick<QueuedRunContext, 'worker' | 'dataRoots' | 'workers'>,
): {
  job: QueuedRun;
  config: RunConfig;
} {
  const parsed = queuedRunSchema.safeParse(data);
  if (!parsed.success)
    throw new RefusedJobError(
      'ERR_INVALID_OPTION',
      `worker ${ctx.worker}: not a gradstream run job: ${parsed.error.issues[0]?.message}`,
    );
  const job = parsed.data;
  const refuse = (problems: string) =>
    new RefusedJobError('ERR_INVALID_OPTION', `worker ${ctx.worker}: run ${job.runId} refused: ${problems}`);
  const raw = job.config as { data?: RunConfig['data']; model?: { initFrom?: unknown } } | undefined;
  // Data roots first: validating the config reads the data files' headers. The weights a run starts
  // from (`--init-from`) are a file the worker reads too.
  const roots = dataRootProblems((raw?.data ?? {}) as RunConfig['data'], ctx.dataRoots);
  const initFrom = raw?.model?.initFrom;
  const initProblem =
    typeof initFrom === 'string' ? pathProblem('model.initFrom', initFrom, ctx.dataRoots) : undefined;
  if (initProblem) roots.push(initProblem);
  if (roots.length > 0) throw refuse(roots.join('; '));
  let config: RunConfig;
  try {
    config = parseConfig(withAbsoluteData(job.config as RunConfig, ctx.dataRoots));
  } catch (error) {
    throw refuse((error as Error).message.split('\n').join('; '));
  }
  config = { ...config, dashboard: { ...config.dashboard, enabled: false } };
  if (ctx.workers !== undefined) config = { ...config, workers: ctx.workers };
  return { job, config };
}

/**
 * The run's newest checkpoint in Redis, as the state to go on from (undefined: start afresh), after
 * checking that the data refitted here gives the checkpoint's preprocessing (a CSV table's fit).
 */
async function storedState(redis: Redis, runId: string, data: RunData): Promise<ResumeState | undefined> {
  const key = runKeys(runId).checkpoint;
  const bytes = await redis.getBuffer(key);
  if (!bytes) return undefined;
  const source = `redis ${key}`;
  const checkpoint = decodeCheckpoint(bytes, source);
  checkResumedPreprocessing(checkpoint.preprocessing, data, source);
  return toResumeState(checkpoint, { runId, source });
}

/** Runs one accepted job to its end on this worker. */
export async function runQueued(
  job: QueuedRun,
  config: RunConfig,
  ctx: QueuedRunContext,
): Promise<QueuedRunResult> {
  const { redis } = ctx;
  const keys = runKeys(job.runId);
  let data: RunData;
  try {
    data = await loadRunDataAsync(config);
  } catch (error) {
    throw new RefusedJobError(
      'ERR_DATA_FORMAT',
      `worker ${ctx.worker}: run ${job.runId}: ${(error as Error).message}`,
    );
  }
  // A CSV table's model takes the table's encoded features and classes (or targets).
  const run = buildRun(config, data.table?.shape);
  const resume = await storedState(redis, job.runId, data);
  // Fine-tuning (`--init-from`): the exported weights, checked against the run's model; a run taken
  // over goes on from its checkpoint instead.
  let initial: FlatWeights | undefined;
  try {
    if (config.model.initFrom !== undefined && !resume)
      initial = initialWeights(config.model.initFrom, run.model);
  } catch (error) {
    throw new RefusedJobError(
      'ERR_DATA_FORMAT',
      `worker ${ctx.worker}: run ${job.runId}: ${(error as Error).message}`,
    );
  }
  const controller = createController();
  ctx.onController?.(controller);
  const relay = createRelay(redis, job.runId);
  let saving: Promise<unknown> = Promise.resolve();
  let paramsDigest: string | undefined;
  const every = config.checkpoint.everySteps;
  const { everyMinutes } = config.checkpoint;
  const everyMs = everyMinutes > 0 ? everyMinutes * 60_000 : every > 0 ? 0 : QUEUED_CHECKPOINT_MS;
  let lastSaved = Date.now();
  const session = createTrainingSession({
    ...run.plan,
    ...pickOptions('session', config),
    histogramEvery: config.histogramEvery,
    train: data.train,
    validation: data.validation,
    test: data.test,
    controller,
    runId: job.runId,
    resume,
    initial,
    safePointEvery: every > 0 ? every : QUEUED_SAFE_POINT_EVERY,
    onSafePoint(point, s) {
      const due =
        point.last ||
        s.controller.state.stopped ||
        (every > 0 && point.step % every === 0) ||
        (everyMs > 0 && Date.now() - lastSaved >= everyMs);
      if (!due) return;
      lastSaved = Date.now();
      const state = captureResumeState(s, point);
      if (point.last) paramsDigest = digest(state.params);
      const checkpoint = toCheckpoint(state, {
        runId: job.runId,
        model: run.model,
        config,
        preprocessing: data.table?.preprocessing,
        cursor: { epoch: point.epoch, position: point.position, stepsPerEpoch: s.schedule.stepsPerEpoch },
      });
      const bytes = Buffer.concat(encodeCheckpoint(checkpoint));
      // In order, and awaited before the job ends: the newest write wins. Only once the stream has
      // every event up to this step (the step's own come right after this call, before the
      // microtask): a worker taking over from this checkpoint replays none of them.
      saving = saving.then(() => relay.flush()).then(() => redis.set(keys.checkpoint, bytes));
      // Thrown where awaited, at the run's end; until then not an unhandled rejection that ends the
      // process (a write on a connection closed under a run still training: `close()` of its worker).
      saving.catch(() => {});
    },
  });
  const stopControls = followRedisControls(redis, keys.control, controller);
  let testAccuracy: number | undefined;
  let reason = 'completed' as 'completed' | 'stopped';
  let step = 0;
  try {
    await lastValueFrom(
      session.events$.pipe(
        tap((e) => {
          if (e.type === 'eval' && e.split === 'test') testAccuracy = e.accuracy;
          if (e.type === 'step') step = e.step;
          if (e.type === 'end') {
            reason = e.reason;
            // A drain is not the run's end: another worker goes on from the checkpoint.
            if (ctx.draining() && e.reason === 'stopped') return;
          }
          relay.push(e.type === 'start' ? { ...e, config: { ...config, name: job.name } } : e);
        }),
      ),
    );
  } finally {
    stopControls();
    await relay.close();
    await saving;
  }
  const drained = ctx.draining() && reason === 'stopped';
  if (!drained) {
    await redis.expire(keys.events, FINISHED_TTL_SECONDS);
    await redis.expire(keys.checkpoint, FINISHED_TTL_SECONDS);
  }
  return {
    runId: job.runId,
    reason: drained ? 'drained' : reason,
    step,
    testAccuracy,
    paramsDigest,
    worker: ctx.worker,
    resumedFrom: resume?.step,
  };
}

/** SHA-256 of a float array's bytes. */
export function digest(values: Float32Array): string {
  return createHash('sha256')
    .update(Buffer.from(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

/** Takes the run's control requests from its Redis list every 200 ms and applies them. */
function followRedisControls(redis: Redis, key: string, controller: RunController): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    redis
      .lpop(key, 100)
      .then((items) => {
        for (const item of items ?? []) applyControl(controller, item);
      })
      .catch(() => {}) // Redis away: the next poll tries again
      .finally(() => {
        busy = false;
      });
  }, 200);
  timer.unref();
  return () => clearInterval(timer);
}

/** A control request as the submitter or hub wrote it: `{ action, lr? }`; anything else is ignored. */
export function applyControl(controller: RunController, item: string): void {
  let m: { action?: unknown; lr?: unknown };
  try {
    m = JSON.parse(item) as typeof m;
  } catch {
    return;
  }
  if (!(CONTROL_ACTIONS as readonly unknown[]).includes(m.action)) return;
  try {
    if (m.action === 'pause') controller.pause();
    else if (m.action === 'resume') controller.resume();
    else if (m.action === 'stop') controller.stop();
    else controller.setLearningRate(typeof m.lr === 'number' ? m.lr : undefined);
  } catch {
    // An lr out of range: refused by the controller, nothing changes.
  }
}
