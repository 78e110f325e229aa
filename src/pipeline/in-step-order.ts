// Puts gradient batches back in step order after concurrent computation (async mode), so updates
// are applied in the order the steps were drawn. Holds at most the steps in flight.

import { Observable, type OperatorFunction } from 'rxjs';
import type { GradientBatch } from './runner.js';

/** Re-emits batches in increasing `step.step`, starting from `first`. */
export function inStepOrder(first = 1): OperatorFunction<GradientBatch, GradientBatch> {
  return (source) =>
    new Observable<GradientBatch>((subscriber) => {
      const waiting = new Map<number, GradientBatch>();
      let expected = first;
      const subscription = source.subscribe({
        next(batch) {
          waiting.set(batch.step.step, batch);
          for (let b = waiting.get(expected); b; b = waiting.get(expected)) {
            waiting.delete(expected++);
            subscriber.next(b);
          }
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        waiting.clear();
      };
    });
}
