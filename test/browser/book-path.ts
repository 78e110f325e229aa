// A real optimizer's path on the book's 2D function (chapter 6), as TrainEvents plus path points:
// what the optimizer-comparison lab will send to the dashboard's path view.

import { endWith, filter, map, type Observable, startWith, take, timer } from 'rxjs';
import { createOptimizer, learningRateAt } from '../../src/optim/optimizer.js';
import type { TransformSpec } from '../../src/optim/transform.js';
import type { PathPoint } from '../../src/protocol/run-data.js';
import type { TrainEvent } from '../../src/train/events.js';

/** The book's chapter 6 function f(x, y) = x²/20 + y², whose valley makes SGD zigzag. */
export const bookFunction = (x: number, y: number): number => (x * x) / 20 + y * y;

/**
 * A real optimizer's path on {@link bookFunction} from (−7, 2), as the book draws it: start and step
 * events (loss = f) plus the path's points, emitted every `intervalMs`.
 */
export function bookPathRun(
  runId: string,
  spec: TransformSpec,
  steps = 30,
  intervalMs = 60,
): { readonly events$: Observable<TrainEvent>; readonly points$: Observable<PathPoint> } {
  const params = Float32Array.of(-7, 2);
  const grads = new Float32Array(2);
  const optimizer = createOptimizer(spec, { params, grads });
  const trajectory = [{ step: 0, x: -7, y: 2 }];
  for (let t = 1; t <= steps; t++) {
    grads[0] = params[0] / 10;
    grads[1] = 2 * params[1];
    optimizer.step();
    trajectory.push({ step: t, x: params[0], y: params[1] });
  }
  const start: TrainEvent = {
    type: 'start',
    runId,
    config: { function: 'x²/20 + y²', optimizer: spec },
    totalSteps: steps,
    stepsPerEpoch: steps,
    paramCount: 2,
    time: Date.now(),
  };
  const stepEvent = ({ step, x, y }: PathPoint): TrainEvent => ({
    type: 'step',
    step,
    epoch: 0,
    loss: bookFunction(x, y),
    lr: learningRateAt(spec, step),
    samples: 1,
    samplesPerSecond: 1000 / intervalMs,
    elapsedMs: step * intervalMs,
    skipped: false,
    gradNorm: Math.hypot(x / 10, 2 * y),
  });
  const end: TrainEvent = {
    type: 'end',
    step: steps,
    reason: 'completed',
    elapsedMs: steps * intervalMs,
    skippedSteps: 0,
  };
  const timed = timer(0, intervalMs).pipe(
    take(steps + 1),
    map((i) => trajectory[i]),
  );
  return {
    events$: timed.pipe(
      filter((p) => p.step > 0),
      map(stepEvent),
      startWith(start),
      endWith(end),
    ),
    points$: timed,
  };
}
