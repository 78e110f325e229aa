// A stored run replayed as the events it emitted (the inverse of the recorder's `eventPoints`, merged
// with its logged start, control and histogram events), so the dashboard shows stored runs through
// the same path as live ones — whole (`storedRunEvents`) or as they grow (`pointEvents`, for a follower).

import type { StartEvent, TrainEvent } from '../train/events.js';
import type { MetricPoint } from './metric-queries.js';
import type { RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';

const SPLITS = ['train', 'validation', 'test'] as const;

/**
 * The step, eval and epoch events of metric points sorted by step (as the store returns them).
 * `skipped` counts the skipped steps among them.
 */
export function pointEvents(points: readonly MetricPoint[]): { events: TrainEvent[]; skipped: number } {
  const events: TrainEvent[] = [];
  let skipped = 0;
  let i = 0;
  while (i < points.length) {
    const step = points[i].step;
    const m = new Map<string, number>();
    for (; i < points.length && points[i].step === step; i++) m.set(points[i].name, points[i].value);
    const epoch = m.get('epoch') ?? 0;
    if (m.has('loss')) {
      if (m.get('skipped') === 1) skipped++;
      events.push({
        type: 'step',
        step,
        epoch,
        loss: m.get('loss')!,
        lr: m.get('lr'),
        samples: 0,
        samplesPerSecond: m.get('samplesPerSecond') ?? 0,
        elapsedMs: m.get('elapsedMs') ?? 0,
        skipped: m.get('skipped') === 1,
        gradNorm: m.get('gradNorm') ?? Number.NaN,
      });
    }
    for (const split of SPLITS) {
      const accuracy = m.get(`${split}.accuracy`);
      const rmse = m.get(`${split}.rmse`);
      if (accuracy === undefined && rmse === undefined) continue;
      events.push({
        type: 'eval',
        step,
        epoch,
        split,
        accuracy: accuracy ?? Number.NaN,
        ...(rmse === undefined ? {} : { rmse, mae: m.get(`${split}.mae`) ?? Number.NaN }),
        loss: m.get(`${split}.loss`) ?? Number.NaN,
        n: m.get(`${split}.n`) ?? 0,
      });
    }
    const meanLoss = m.get('epoch.meanLoss');
    if (meanLoss !== undefined) events.push({ type: 'epoch', epoch, step, meanLoss });
  }
  return { events, skipped };
}

/**
 * A run's start event as the store knows it: its newest logged one (a resumed run's), else one made
 * from the row (a run recorded before the event log; a damaged row's carries `{ damaged }` as its
 * config, so the page says what is wrong).
 */
export function startEventOf(run: RunRecord, logged: readonly TrainEvent[], lastStep: number): StartEvent {
  const start = [...logged].reverse().find((e): e is StartEvent => e.type === 'start');
  // The row's name goes with the config, as the page names runs by `config.name` (a lab's trials
  // are named in the row only).
  const config =
    run.damaged !== undefined
      ? { damaged: run.damaged }
      : run.name !== null && !('name' in run.config && run.config.name)
        ? { ...run.config, name: run.name }
        : run.config;
  if (start) return { ...start, runId: run.id, config };
  return {
    type: 'start',
    runId: run.id,
    config,
    totalSteps: lastStep,
    stepsPerEpoch: 0,
    paramCount: 0,
    time: run.createdAt,
  };
}

/** Merges `logged` (control, histogram) events after the point events of their step. */
export function mergeByStep(points: readonly TrainEvent[], logged: readonly TrainEvent[]): TrainEvent[] {
  const rest = logged.filter((e) => e.type !== 'start');
  if (rest.length === 0) return [...points];
  const out: TrainEvent[] = [];
  let j = 0;
  const stepOf = (e: TrainEvent) => ('step' in e ? e.step : 0);
  for (let i = 0; i < points.length; i++) {
    const next = points[i + 1];
    out.push(points[i]);
    // After the last event of a step: the logged events up to that step.
    if (next === undefined || stepOf(next) !== stepOf(points[i]))
      while (j < rest.length && stepOf(rest[j]) <= stepOf(points[i])) out.push(rest[j++]);
  }
  while (j < rest.length) out.push(rest[j++]);
  return out;
}

/**
 * The start, step, eval, epoch, control, histogram and end events of a stored run, in step order. A
 * run that is not `running` (an `interrupted` one included: its process is gone) ends with an `end`
 * event.
 */
export function storedRunEvents(store: RunStore, run: RunRecord): TrainEvent[] {
  const logged = store.loggedEvents(run.id).map((l) => l.event);
  const { events: points, skipped } = pointEvents(store.metrics(run.id));
  const tail = points.at(-1);
  const lastStep = tail && 'step' in tail ? tail.step : 0;
  const events: TrainEvent[] = [startEventOf(run, logged, lastStep), ...mergeByStep(points, logged)];
  if (run.status !== 'running') {
    const last = [...points].reverse().find((e) => e.type === 'step');
    events.push({
      type: 'end',
      step: lastStep,
      reason: run.status === 'completed' ? 'completed' : 'stopped',
      elapsedMs: last?.type === 'step' ? last.elapsedMs : 0,
      skippedSteps: skipped,
    });
  }
  return events;
}
