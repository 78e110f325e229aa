// Loaded with `--require` by the soak benches (CommonJS on purpose: in Node 20 worker threads run the
// process's `--require` modules but not its `--import` ones). Every GRADSTREAM_MEMORY_PROBE_MS (default
// 5 s) each thread writes its process.memoryUsage() (V8 heap, external, array buffers of its own
// isolate; RSS of the process) and its v8.getHeapStatistics() to a file, replacing it: the main thread
// to GRADSTREAM_MEMORY_PROBE, each worker thread to GRADSTREAM_MEMORY_PROBE + `.thread-<threadId>`
// (tsx's loader threads write one too). A lane blocks in Atomics.wait through a chunk of steps (≤ 50 by
// default); its timer fires between two chunks, when its event loop turns. Nothing runs without
// GRADSTREAM_MEMORY_PROBE.

const { writeFileSync } = require('node:fs');
const { getHeapStatistics } = require('node:v8');
const { isMainThread, threadId } = require('node:worker_threads');

const file = process.env.GRADSTREAM_MEMORY_PROBE;
if (file) {
  const target = isMainThread ? file : `${file}.thread-${threadId}`;
  const timer = setInterval(
    () => writeFileSync(target, JSON.stringify({ ...process.memoryUsage(), v8: getHeapStatistics() })),
    Number(process.env.GRADSTREAM_MEMORY_PROBE_MS ?? 5000),
  );
  timer.unref();
}
