// `gradstream export RUN --format safetensors|onnx --out FILE [--step N]`: a stored run's model out of
// gradstream, from its newest checkpoint (or the one of step N), for PyTorch, ONNX runtimes and other programs.

import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { ONNX_OPSET, onnxModel } from '../export/onnx.js';
import { encodeSafetensors, safetensorsMetadata, sequentialStateDict } from '../export/safetensors.js';
import { runCheckpoint } from '../model/run-model.js';
import { loadCheckpoint, writeFileAtomic } from '../store/checkpoint.js';
import { checkpointPreprocessing } from '../store/run-state.js';
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
      const { runId, path } = runCheckpoint(options.store, ref, step, 'export');
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
