// The few ONNX building blocks the model export needs, as `onnx-proto` messages (the official
// onnx.proto compiled by protobufjs): named constant tensors (initializers), nodes with attributes,
// and typed graph inputs and outputs with a symbolic batch dimension `N`.

import onnxProto, { type onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;

/** The generated message namespace, for callers that build on these blocks. */
export { onnx };
/** The messages the export builds. */
export type NodeProto = Onnx.NodeProto;
export type TensorProto = Onnx.TensorProto;
export type ValueInfoProto = Onnx.ValueInfoProto;

/** Element types used by the export. */
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const STRING = onnx.TensorProto.DataType.STRING;

/** An element type of a graph input or output. */
export type ElemType = typeof FLOAT | typeof STRING;

/** A float32 constant of `dims` (row-major `values`), stored as little-endian raw bytes. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count)
    throw new RangeError(`onnx tensor ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
  const copy = Float32Array.from(values); // little-endian on every platform Node runs on
  return onnx.TensorProto.create({
    name,
    dims: [...dims],
    dataType: FLOAT,
    rawData: new Uint8Array(copy.buffer),
  });
}

/** A string constant of `dims` (row-major `values`), UTF-8 encoded as ONNX stores strings. */
export function stringTensor(name: string, dims: readonly number[], values: readonly string[]): TensorProto {
  const utf8 = new TextEncoder();
  return onnx.TensorProto.create({
    name,
    dims: [...dims],
    dataType: STRING,
    stringData: values.map((v) => utf8.encode(v)),
  });
}

/** An attribute value: a float, an integer, or a list of integers. */
export type AttributeValue =
  | { readonly f: number }
  | { readonly i: number }
  | { readonly ints: readonly number[] };

/** One node: `opType(inputs) → outputs`, with attributes. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Record<string, AttributeValue> = {},
): NodeProto {
  const { AttributeType } = onnx.AttributeProto;
  const attribute = Object.entries(attributes).map(([name, value]) => {
    if ('f' in value) return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.f });
    if ('i' in value) return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value.i });
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...value.ints] });
  });
  return onnx.NodeProto.create({
    name: outputs[0],
    opType,
    input: [...inputs],
    output: [...outputs],
    attribute,
  });
}

/** A graph input or output `[N, width]` of `elemType`, N the batch (symbolic). */
export function batchValue(
  name: string,
  elemType: ElemType,
  width: number,
  docString: string,
): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    docString,
    type: {
      tensorType: { elemType, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } },
    },
  });
}
