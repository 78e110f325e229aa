// A stored run replayed as the events it emitted (the inverse of the recorder's `eventPoints`), so
// the dashboard can show finished runs through the same path as live ones.

import type { TrainEvent } from '../train/events.js';
import type { RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';

const SPLITS = ['train', 'validation', 'test'] as const;

/**
 * The start, step, eval, epoch and end events of a stored run, in step order. A run that is not
 * `running` (an `interrupted` one included: its process is gone) ends with an `end` event; a
 * damaged row's start event carries `{ damaged }` as its config, so the page says what is wrong.
 */
export function storedRunEvents(store: RunStore, run: RunRecord): TrainEvent[] {
  const bySteps = new Map<number, Map<string, number>>();
  for (const p of store.metrics(run.id)) {
    const m = bySteps.get(p.step) ?? new Map<string, number>();
    bySteps.set(p.step, m);
    m.set(p.name, p.value);
  }
  const steps = [...bySteps.keys()].sort((a, b) => a - b);
  const events: TrainEvent[] = [
    {
      type: 'start',
      runId: run.id,
      config: run.damaged === undefined ? run.config : { damaged: run.damaged },
      totalSteps: steps.at(-1) ?? 0,
      stepsPerEpoch: 0,
      paramCount: 0,
      time: run.createdAt,
    },
  ];
  let skipped = 0;
  for (const step of steps) {
    const m = bySteps.get(step)!;
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
      if (accuracy === undefined) continue;
      events.push({
        type: 'eval',
        step,
        epoch,
        split,
        accuracy,
        loss: m.get(`${split}.loss`) ?? Number.NaN,
        n: m.get(`${split}.n`) ?? 0,
      });
    }
    const meanLoss = m.get('epoch.meanLoss');
    if (meanLoss !== undefined) events.push({ type: 'epoch', epoch, step, meanLoss });
  }
  if (run.status !== 'running') {
    const last = [...events].reverse().find((e) => e.type === 'step');
    events.push({
      type: 'end',
      step: steps.at(-1) ?? 0,
      reason: run.status === 'completed' ? 'completed' : 'stopped',
      elapsedMs: last?.type === 'step' ? last.elapsedMs : 0,
      skippedSteps: skipped,
    });
  }
  return events;
}
