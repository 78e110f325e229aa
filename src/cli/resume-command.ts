// `gradstream resume RUN`: continues a stored run from its newest good checkpoint, exactly where it
// stopped (sync mode reproduces the uninterrupted run bit for bit). Stopped, failed and interrupted
// runs resume; a completed run, or one a live process is training, is refused (exit 2).

import type { Command } from 'commander';
import { parseConfig } from '../config/validate.js';
import { GradstreamError } from '../errors.js';
import { checkCompatible } from '../store/check-compatible.js';
import { checkpointDir, latestCheckpoint, listCheckpoints } from '../store/checkpoint.js';
import { type RunRecord, unknownRun } from '../store/run-record.js';
import { toResumeState } from '../store/run-state.js';
import { checkResumable, RunStore } from '../store/run-store.js';
import { finish } from './finish.js';
import { addWaitFlags } from './flags.js';
import { pageAfterOutcomeLine } from './keep-page.js';
import { runJob } from './run-job.js';

/** Adds `resume` to the program. */
export function registerResumeCommand(program: Command): void {
  const command = program
    .command('resume')
    .description('continue a stored run from its newest good checkpoint')
    .argument('<run>', 'run id, unique id prefix, or unique name (see `gradstream runs list`)')
    .option('--store <dir>', 'run store folder', 'runs')
    .option('--fallback', 'if the newest checkpoint is corrupt, use the newest good older one')
    .option('--no-dashboard', 'do not serve the live dashboard')
    .option('--port <n>', 'dashboard port, 0 for any free one')
    .option('--json', 'print every event as a JSON line on stdout');
  addWaitFlags(command).action(
    async (
      ref: string,
      options: {
        store: string;
        fallback?: boolean;
        dashboard: boolean;
        port?: string;
        json?: boolean;
        wait?: boolean;
      },
    ) => {
      // Opened for writing first: a read-only or damaged store is refused before any work.
      const store = RunStore.open({ dir: options.store });
      let run: RunRecord | undefined;
      let recorded: number;
      try {
        store.check();
        run = store.findRun(ref);
        if (!run) throw unknownRun(ref, store.file);
        // A completed run is left as it is (exit 2); a run a live process trains is refused.
        checkResumable(run, store.file);
        recorded = recordedThrough(store.series(run.id, 'epoch').step);
      } finally {
        store.close();
      }
      const dir = checkpointDir(options.store, run.id);
      // A run killed between writing a checkpoint and writing that step's metrics has a checkpoint
      // ahead of its metrics: go on from the newest one they reach, so no step goes unrecorded.
      const reached = latestCheckpoint(dir, { fallback: options.fallback, atMost: recorded });
      const found = reached ?? latestCheckpoint(dir, { fallback: options.fallback });
      if (!found)
        throw new GradstreamError('ERR_CHECKPOINT', `resume: run ${run.id} has no checkpoint in ${dir}`);
      const newest = listCheckpoints(dir).at(-1)?.step ?? found.checkpoint.step;
      if (found.checkpoint.step < newest)
        process.stderr.write(
          `gradstream: run ${run.id}'s stored metrics end at step ${recorded}, before its newest checkpoint ` +
            `(step ${newest}): going on from the checkpoint of step ${found.checkpoint.step}, so no step is missing\n`,
        );
      else if (found.checkpoint.step > recorded)
        process.stderr.write(
          `gradstream: warning: run ${run.id} has no metrics of steps ${recorded + 1}–${found.checkpoint.step} ` +
            '(killed before they were written) and no older checkpoint to go on from\n',
        );
      for (const s of found.skipped)
        process.stderr.write(`gradstream: skipped corrupt ${s.path}: ${s.error.message}\n`);
      const stored = run.config as Record<string, unknown>;
      const dashboard = {
        ...(stored.dashboard as object),
        enabled: options.dashboard,
        ...(options.port ? { port: Number(options.port) } : {}),
      };
      const config = parseConfig({ ...stored, dashboard, store: { dir: options.store } });
      for (const warning of checkCompatible(found.checkpoint, config, found.path))
        process.stderr.write(`gradstream: warning: ${warning}\n`);
      const state = toResumeState(found.checkpoint, { runId: run.id, source: found.path });
      process.stderr.write(`gradstream: resuming run ${run.id} from ${found.path} (step ${state.step})\n`);
      const outcome = await runJob({
        config,
        output: { json: Boolean(options.json), wait: options.wait },
        resume: { runId: run.id, state, preprocessing: found.checkpoint.preprocessing, source: found.path },
      });
      finish(outcome);
      await pageAfterOutcomeLine(outcome);
    },
  );
}

/**
 * The last step through which every step has its metrics (`steps`: the steps of a metric every step
 * records, in order): 1, 2, … up to the first gap.
 */
export function recordedThrough(steps: ArrayLike<number>): number {
  let through = 0;
  for (let i = 0; i < steps.length; i++) {
    if (steps[i] === through + 1) through++;
    else if (steps[i] > through + 1) break;
  }
  return through;
}
