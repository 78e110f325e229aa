// ONNX models run by the real ONNX Runtime (onnxruntime-web's WebAssembly build, which runs in Node),
// one thread, for the export tests: what a user's runtime does with the file.

import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1; // the 2-core machine is shared; threads would need a worker setup too

/** A session over the encoded model. */
export function onnxSession(model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model);
}

/** A float32 input [rows, width]. */
export function floatInput(values: Float32Array, rows: number, width: number): ort.Tensor {
  return new ort.Tensor('float32', values, [rows, width]);
}

/** A string input [rows, 1]. */
export function stringInput(values: readonly string[]): ort.Tensor {
  return new ort.Tensor('string', [...values], [values.length, 1]);
}

/** Runs the model once and returns the named output's values and shape. */
export async function runOnnx(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  output: string,
): Promise<{ values: Float32Array; dims: readonly number[] }> {
  const result = await session.run(feeds);
  const tensor = result[output];
  if (!tensor) throw new Error(`onnx: no output ${output}; outputs: ${Object.keys(result).join(', ')}`);
  return { values: tensor.data as Float32Array, dims: tensor.dims };
}
