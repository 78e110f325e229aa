// A trained MLP as an ONNX model (https://onnx.ai) in inference form, with its preprocessing built
// into the graph so a runtime takes raw samples: IDX pixels as they are in the file (0–255), or a
// table's columns as raw numbers and strings. The graph:
//
//   preprocessing → [Gemm → (BatchNormalization) → Relu | Sigmoid] × hidden → Gemm → (Softmax)
//
// Dropout is left out (inference); batch norm uses the running statistics, as gradstream's eval mode.

import type { ColumnEncoding, InputEncoding, Preprocessing } from '../data/preprocessing.js';
import { encodedWidth, outputWidth } from '../data/preprocessing.js';
import { checkLength, GradstreamError } from '../errors.js';
import type { MlpSpec } from '../nn/mlp.js';
import { mlpLayouts } from '../nn/mlp.js';
import { entryView } from '../tensor/layout.js';
import {
  batchValue,
  FLOAT,
  floatTensor,
  type NodeProto,
  node,
  onnx,
  STRING,
  stringTensor,
  type TensorProto,
} from './onnx-graph.js';

/** The ONNX operator set the model imports: 19 is the first with `Equal` on strings (the one-hot). */
export const ONNX_OPSET = 19;
/** The IR version that goes with opset 19 (ONNX 1.14). */
export const ONNX_IR_VERSION = 9;

/** What the model says about where it came from (metadata). */
export interface OnnxAbout {
  readonly run?: string;
  readonly step?: number;
}

/** One graph input: its name, the column (or `input` for IDX data) and its element type. */
export interface OnnxInput {
  readonly name: string;
  /** The table column it takes, or undefined for the IDX input. */
  readonly column?: string;
  readonly type: 'float32' | 'string';
}

/** The graph's output name: `probabilities` (classes) or `predictions` (regression targets). */
export function onnxOutputName(preprocessing: Preprocessing): string {
  return preprocessing.output.kind === 'classes' ? 'probabilities' : 'predictions';
}

/**
 * The graph inputs of an input encoding: `input` [N, features] float32 for IDX data; for a table one
 * input [N, 1] per column, in column order — float32 for numbers, string for categories — named by
 * the column with every run of characters other than letters, digits and `_` replaced by one `_`
 * (trimmed; `column_<i>` when nothing is left), and `_2`, `_3`, … added to keep names unique and
 * apart from the output's name.
 *
 * @example
 * onnxInputs({ kind: 'table', columns: [{ kind: 'number', name: 'sepal length (cm)', mean: 5.8, std: 0.8 }] }, 'probabilities');
 * // [{ name: 'sepal_length_cm', column: 'sepal length (cm)', type: 'float32' }]
 */
export function onnxInputs(input: InputEncoding, outputName: string): OnnxInput[] {
  if (input.kind === 'scale') return [{ name: 'input', type: 'float32' }];
  const taken = new Set([outputName]);
  return input.columns.map((column, i) => {
    const base =
      column.name
        .replace(/[^\p{L}\p{N}_]+/gu, '_')
        .replace(/^_+|_+$/g, '')
        .slice(0, 64) || `column_${i + 1}`;
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return { name, column: column.name, type: column.kind === 'number' ? 'float32' : 'string' };
  });
}

/** Nodes and constants, collected as the graph is built front to back. */
interface Parts {
  readonly nodes: NodeProto[];
  readonly constants: TensorProto[];
}

/** Pixels × scale: the network's input row from raw IDX values. */
function scaleInput(parts: Parts, scale: number): string {
  parts.constants.push(floatTensor('input/scale', [], [scale]));
  parts.nodes.push(node('Mul', ['input', 'input/scale'], ['input/scaled']));
  return 'input/scaled';
}

/** One column's encoded features: (x − mean) / std, or one-hot over its values (unseen: zeros). */
function encodeColumn(parts: Parts, column: ColumnEncoding, input: string, i: number): string {
  const at = `column${i + 1}`;
  if (column.kind === 'number') {
    parts.constants.push(floatTensor(`${at}/mean`, [1], [column.mean]));
    parts.constants.push(floatTensor(`${at}/std`, [1], [column.std]));
    parts.nodes.push(node('Sub', [input, `${at}/mean`], [`${at}/centered`]));
    parts.nodes.push(node('Div', [`${at}/centered`, `${at}/std`], [`${at}/encoded`]));
  } else {
    // [N, 1] against [1, K]: row n, column k is whether sample n's value is values[k].
    parts.constants.push(stringTensor(`${at}/values`, [1, column.values.length], column.values));
    parts.nodes.push(node('Equal', [input, `${at}/values`], [`${at}/equal`]));
    parts.nodes.push(node('Cast', [`${at}/equal`], [`${at}/encoded`], { to: { i: FLOAT } }));
  }
  return `${at}/encoded`;
}

/** The table's columns encoded and concatenated in column order. */
function tableInput(parts: Parts, columns: readonly ColumnEncoding[], inputs: readonly OnnxInput[]): string {
  const encoded = columns.map((column, i) => encodeColumn(parts, column, inputs[i].name, i));
  parts.nodes.push(node('Concat', encoded, ['input/encoded'], { axis: { i: 1 } }));
  return 'input/encoded';
}

/** The layer stack in inference form from `x`, the last Gemm's output named `out`. */
function layers(
  parts: Parts,
  spec: MlpSpec,
  params: Float32Array,
  buffers: Float32Array,
  x: string,
  out: string,
): void {
  const layouts = mlpLayouts(spec);
  const p = (name: string) => entryView(layouts.params, params, name);
  const b = (name: string) => entryView(layouts.buffers, buffers, name);
  const last = spec.sizes.length - 1;
  for (let l = 1; l <= last; l++) {
    const [fanIn, units] = [spec.sizes[l - 1], spec.sizes[l]];
    const layer = `layer${l}`;
    // W is stored in × out row-major: Gemm's B as it is (no transB).
    parts.constants.push(floatTensor(`${layer}.W`, [fanIn, units], p(`${layer}.W`)));
    parts.constants.push(floatTensor(`${layer}.b`, [units], p(`${layer}.b`)));
    const y = l === last ? out : `${layer}/out`;
    parts.nodes.push(node('Gemm', [x, `${layer}.W`, `${layer}.b`], [y]));
    if (l === last) return;
    x = y;
    if (spec.batchNorm) {
      const bn = `bn${l}`;
      for (const [name, values] of [
        [`${bn}.gamma`, p(`${bn}.gamma`)],
        [`${bn}.beta`, p(`${bn}.beta`)],
        [`${bn}.runningMean`, b(`${bn}.runningMean`)],
        [`${bn}.runningVar`, b(`${bn}.runningVar`)],
      ] as const)
        parts.constants.push(floatTensor(name, [units], values));
      // Eval mode: (x − running mean) / √(running var + eps) · γ + β, the variance as stored.
      parts.nodes.push(
        node(
          'BatchNormalization',
          [x, `${bn}.gamma`, `${bn}.beta`, `${bn}.runningMean`, `${bn}.runningVar`],
          [`${bn}/out`],
          { epsilon: { f: spec.batchNorm.eps } },
        ),
      );
      x = `${bn}/out`;
    }
    parts.nodes.push(node(spec.activation === 'relu' ? 'Relu' : 'Sigmoid', [x], [`act${l}/out`]));
    x = `act${l}/out`;
  }
}

/** The model's description: what goes in and what comes out. */
function describe(spec: MlpSpec, preprocessing: Preprocessing, inputs: readonly OnnxInput[]): string {
  const { input, output } = preprocessing;
  const lines = [
    `gradstream MLP ${spec.sizes.join('-')} (${spec.activation}${spec.batchNorm ? ', batch norm' : ''}).`,
  ];
  if (input.kind === 'scale')
    lines.push(
      `Input "input": float32 [N, ${input.features}], raw values (IDX/MNIST bytes 0-255), times ${input.scale} in the graph.`,
    );
  else {
    lines.push('Inputs, one per table column, each [N, 1]:');
    input.columns.forEach((column, i) => {
      const name = inputs[i].name;
      lines.push(
        column.kind === 'number'
          ? `  "${name}" (column ${JSON.stringify(column.name)}): float32, standardized in the graph as (x - ${column.mean}) / ${column.std}`
          : `  "${name}" (column ${JSON.stringify(column.name)}): string, one-hot over ${JSON.stringify(column.values)} (compared exactly, so trim spaces first; any other value: all zeros)`,
      );
    });
  }
  lines.push(
    output.kind === 'classes'
      ? `Output "probabilities": float32 [N, ${output.names.length}], softmax over the classes ${JSON.stringify(output.names)}.`
      : `Output "predictions": float32 [N, ${output.names.length}], the targets ${JSON.stringify(output.names)} in their own units.`,
  );
  return lines.join('\n');
}

/**
 * A trained MLP as an ONNX `ModelProto` (opset {@link ONNX_OPSET}), encoded: the network in
 * inference form with the input preprocessing and, for classification, a softmax in the graph.
 * `params` and `buffers` are the flat vectors of `mlpLayouts(spec)` (a checkpoint's). The model's
 * doc string and metadata (`run`, `step`, `model`, `preprocessing`, `inputs`, `classes` or
 * `targets`) say what goes in and comes out.
 *
 * @example
 * const c = loadCheckpoint(path);
 * writeFileSync('model.onnx', onnxModel(c.model, c.params, c.buffers, checkpointPreprocessing(c), { step: c.step }));
 */
export function onnxModel(
  spec: MlpSpec,
  params: Float32Array,
  buffers: Float32Array,
  preprocessing: Preprocessing,
  about: OnnxAbout = {},
): Uint8Array {
  const layouts = mlpLayouts(spec);
  checkLength('onnx export', 'params', params.length, layouts.params.size);
  checkLength('onnx export', 'buffers', buffers.length, layouts.buffers.size);
  const { input, output } = preprocessing;
  const [features, outputs] = [spec.sizes[0], spec.sizes[spec.sizes.length - 1]];
  if (encodedWidth(input) !== features || outputWidth(output) !== outputs)
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `onnx export: the preprocessing gives ${encodedWidth(input)} input features and ${outputWidth(output)} outputs (${output.kind}), the model ${spec.sizes.join('-')} takes ${features} and gives ${outputs}`,
    );
  if ((spec.loss === 'mse') !== (output.kind === 'targets'))
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `onnx export: the preprocessing's output is ${output.kind}, the model's loss is ${spec.loss ?? 'cross-entropy'} (allowed pairs: classes with cross-entropy, targets with mse)`,
    );
  const outName = onnxOutputName(preprocessing);
  const inputs = onnxInputs(input, outName);
  const parts: Parts = { nodes: [], constants: [] };
  const x =
    input.kind === 'scale' ? scaleInput(parts, input.scale) : tableInput(parts, input.columns, inputs);
  const last = output.kind === 'classes' ? 'logits' : outName;
  layers(parts, spec, params, buffers, x, last);
  if (output.kind === 'classes') parts.nodes.push(node('Softmax', ['logits'], [outName], { axis: { i: 1 } }));

  const graphInputs =
    input.kind === 'scale'
      ? [batchValue('input', FLOAT, input.features, `raw values, times ${input.scale} in the graph`)]
      : input.columns.map((column, i) =>
          batchValue(
            inputs[i].name,
            column.kind === 'number' ? FLOAT : STRING,
            1,
            `column ${JSON.stringify(column.name)}`,
          ),
        );
  const graph = onnx.GraphProto.create({
    name: 'gradstream-mlp',
    node: parts.nodes,
    initializer: parts.constants,
    input: graphInputs,
    output: [batchValue(outName, FLOAT, outputs, `${output.kind}: ${output.names.join(', ')}`)],
  });
  const metadata: Record<string, string> = {
    ...(about.run === undefined ? {} : { run: about.run }),
    ...(about.step === undefined ? {} : { step: String(about.step) }),
    model: JSON.stringify(spec),
    preprocessing: JSON.stringify(preprocessing),
    inputs: JSON.stringify(inputs),
    [output.kind]: JSON.stringify(output.names),
  };
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'gradstream',
    docString: describe(spec, preprocessing, inputs),
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
