// An optimizer's 2D path replayed for the dashboard at a steady pace: as a run (start, one step
// event per update with loss = f(x, y), end) and as the path's points over the function's contours.

import { map, Observable, share, take, timer } from 'rxjs';
import type { PathPoint } from '../protocol/run-data.js';
import type { TrainEvent } from '../train/events.js';
import type { Function2d } from './functions-2d.js';

/** A replayed path: subscribe to `events$` (via attachRun) and `points$` (via attachPath). */
export interface PathRun {
  readonly events$: Observable<TrainEvent>;
  readonly points$: Observable<PathPoint>;
}

/**
 * Replays the positions `x[t], y[t]` (t = 0 is the start) one every `paceMs`. Both observables
 * share one timer, so the legend's step count and the drawn path advance together.
 */
export function pathRun(
  runId: string,
  fn: Function2d,
  path: { readonly x: readonly number[]; readonly y: readonly number[]; readonly lr: number },
  paceMs: number,
): PathRun {
  const steps = path.x.length - 1;
  const started = Date.now();
  const ticks$ = timer(0, paceMs).pipe(
    take(path.x.length),
    map((step): PathPoint => ({ step, x: path.x[step], y: path.y[step] })),
    share(),
  );
  const events$ = new Observable<TrainEvent>((subscriber) => {
    subscriber.next({
      type: 'start',
      runId,
      config: { function: fn.formula, lr: path.lr },
      totalSteps: steps,
      stepsPerEpoch: steps,
      paramCount: 2,
      time: started,
    });
    return ticks$.subscribe({
      next: ({ step, x, y }) => {
        if (step === 0) return;
        const loss = fn.f(x, y);
        subscriber.next({
          type: 'step',
          step,
          epoch: 0,
          loss,
          lr: path.lr,
          samples: 1,
          samplesPerSecond: 1000 / paceMs,
          elapsedMs: step * paceMs,
          skipped: !Number.isFinite(loss),
          gradNorm: Number.NaN,
        });
      },
      complete: () => {
        subscriber.next({
          type: 'end',
          step: steps,
          reason: 'completed',
          elapsedMs: steps * paceMs,
          skippedSteps: 0,
        });
        subscriber.complete();
      },
    });
  });
  return { events$, points$: ticks$ };
}
