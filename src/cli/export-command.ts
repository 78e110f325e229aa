// `gradstream export RUN --format safetensors|onnx --out FILE [--step N]`: a stored run's model out of
// gradstream, from its newest checkpoint (or the one of step N), for PyTorch, ONNX runtimes and other programs.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { GradstreamError } from '../errors.js';
import { ONNX_OPSET, onnxModel } from '../export/onnx.js';
import { encodeSafetensors, safetensorsMetadata, sequentialStateDict } from '../export/safetensors.js';
import {
  checkpointDir,
  checkpointName,
  latestCheckpoint,
  loadCheckpoint,
  writeFileAtomic,
} from '../store/checkpoint.js';
import { unknownRun } from '../store/run-record.js';
import { checkpointPreprocessing } from '../store/run-state.js';
import { RunStore } from '../store/run-store.js';
import { positiveInt } from './table.js';

/** The formats `export` writes. */
export const EXPORT_FORMATS = ['safetensors', 'onnx'] as const;

/** Adds `export` to the program. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      "write a stored run's model for other programs (safetensors: a PyTorch nn.Sequential state dict; onnx: the model with its preprocessing, for ONNX runtimes)",
    )
    .argument('<run>', 'run id, unique id prefix, or unique name (see `gradstream runs list`)')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out <file>', 'where to write it')
    .option('--step <n>', 'the checkpoint of this step (default: the newest)')
    .option('--store <dir>', 'run store folder', 'runs')
    .action((ref: string, options: { format: string; out: string; step?: string; store: string }) => {
      const step = options.step === undefined ? undefined : positiveInt('--step', options.step);
      const store = RunStore.open({ dir: options.store, readonly: true });
      let runId: string;
      try {
        const run = store.findRun(ref);
        if (!run) throw unknownRun(ref, store.file);
        runId = run.id;
      } finally {
        store.close();
      }
      const dir = checkpointDir(options.store, runId);
      let path: string;
      if (step !== undefined) {
        path = join(dir, checkpointName(step));
        if (!existsSync(path))
          throw new GradstreamError(
            'ERR_CHECKPOINT',
            `export: run ${runId} has no checkpoint of step ${step} in ${resolve(dir)}`,
          );
      } else {
        const found = latestCheckpoint(dir);
        if (!found)
          throw new GradstreamError(
            'ERR_CHECKPOINT',
            `export: run ${runId} has no checkpoint in ${resolve(dir)}`,
          );
        path = found.path;
      }
      const checkpoint = loadCheckpoint(path);
      const { model } = checkpoint;
      if (options.format === 'onnx') {
        const out = resolve(options.out);
        const preprocessing = checkpointPreprocessing(checkpoint);
        const about = { run: runId, step: checkpoint.step };
        writeFileAtomic(out, [onnxModel(model, checkpoint.params, checkpoint.buffers, preprocessing, about)]);
        process.stderr.write(
          `gradstream: wrote ${out}: run ${runId} at step ${checkpoint.step}, model ${model.sizes.join('-')} (ONNX, opset ${ONNX_OPSET})\n`,
        );
        return;
      }
      const tensors = sequentialStateDict(model, checkpoint.params, checkpoint.buffers, checkpoint.updates);
      const metadata = safetensorsMetadata(checkpoint, runId);
      const out = resolve(options.out);
      writeFileAtomic(out, [encodeSafetensors(tensors, metadata)]);
      process.stderr.write(
        `gradstream: wrote ${out}: run ${runId} at step ${checkpoint.step}, model ${model.sizes.join('-')}, ${tensors.length} tensors (safetensors)\n`,
      );
    });
}
