// Where a queued run lives in Redis besides its BullMQ job: its relayed events (a stream), its
// control requests (a list), its newest checkpoint (bytes). One prefix for everything gradstream
// writes, so a shared Redis can hold other things too.

/** The prefix of every key gradstream writes (BullMQ's own keys use it too). */
export const KEY_PREFIX = 'gradstream';

/** The BullMQ queue runs are submitted to. */
export const RUN_QUEUE = 'runs';

/** How long a finished run's events and checkpoint stay in Redis for late readers. */
export const FINISHED_TTL_SECONDS = 24 * 3600;

/** The keys of run `runId`. */
export function runKeys(runId: string): { events: string; control: string; checkpoint: string } {
  const base = `${KEY_PREFIX}:run:${runId}`;
  return { events: `${base}:events`, control: `${base}:control`, checkpoint: `${base}:checkpoint` };
}
