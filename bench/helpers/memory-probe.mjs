// Loaded into the soak bench's child with `--import` (plain JS: worker threads inherit the flag and
// load it before any TypeScript loader): on the main thread, every GRADSTREAM_MEMORY_PROBE_MS (default
// 5 s) writes process.memoryUsage() (V8 heap, external, array buffers, RSS) to the file
// GRADSTREAM_MEMORY_PROBE, replacing it, so the parent sees where the resident memory sits.

import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.GRADSTREAM_MEMORY_PROBE;
if (file && isMainThread) {
  const timer = setInterval(
    () => writeFileSync(file, JSON.stringify(process.memoryUsage())),
    Number(process.env.GRADSTREAM_MEMORY_PROBE_MS ?? 5000),
  );
  timer.unref();
}
