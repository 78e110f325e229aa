// The queue tests' run: small enough for a shared 2-core machine (16 hidden units, 1,000 MNIST
// samples, one worker thread), as the plain config a job or a config file carries.

/** A tiny run of `steps` steps; `extra` overrides or adds fields (a seed, a checkpoint interval). */
export const tinyRun = (steps: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: { hidden: [16] },
  batchSize: 50,
  steps,
  data: { trainLimit: 1000 },
  workers: 1,
  seed: 3,
  ...extra,
});
