/**
 * The part of the ONNX protobuf schema (onnx.proto, IR version 8) that an exported model
 * uses, written out as a protobufjs reflection descriptor, with typed message shapes and
 * the encoder and decoder of a ModelProto. Every field keeps its official number and
 * type; messages and fields the exporter never writes (sparse tensors, functions,
 * training info, ...) are left out, and the decoder skips them when reading other files.
 */
import protobuf from 'protobufjs';

/** TensorProto.DataType values the exporter writes. */
export const ONNX_DATA_TYPE = { float: 1, int64: 7 } as const;

/** AttributeProto.AttributeType values the exporter writes. */
export const ONNX_ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

/** A named attribute of a node; exactly one value field is set, as `type` says. */
export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly s?: Uint8Array;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
}

/** A constant tensor: float32 values as little-endian raw bytes, int64 values as numbers. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly rawData?: Uint8Array;
  readonly int64Data?: readonly number[];
}

export interface OnnxNode {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly name: string;
  readonly opType: string;
  readonly attribute: readonly OnnxAttribute[];
}

/** One dimension of a declared shape: a fixed size or a symbolic name (e.g. the batch). */
export type OnnxDimension = { readonly dimValue: number } | { readonly dimParam: string };

export interface OnnxValueInfo {
  readonly name: string;
  readonly type: { readonly tensorType: { readonly elemType: number; readonly shape: { readonly dim: readonly OnnxDimension[] } } };
}

export interface OnnxGraph {
  readonly name: string;
  readonly node: readonly OnnxNode[];
  readonly initializer: readonly OnnxTensor[];
  readonly input: readonly OnnxValueInfo[];
  readonly output: readonly OnnxValueInfo[];
  readonly docString?: string;
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly opsetImport: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion?: string;
  readonly modelVersion?: number;
  readonly docString?: string;
  readonly graph: OnnxGraph;
  readonly metadataProps?: readonly { readonly key: string; readonly value: string }[];
}

type Fields = Record<string, { type: string; id: number; rule?: 'repeated' }>;
const optional = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number) => ({ type, id, rule: 'repeated' as const });

/** The schema subset, in protobufjs's JSON descriptor form. */
const DESCRIPTOR: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: optional('string', 1),
            f: optional('float', 2),
            i: optional('int64', 3),
            s: optional('bytes', 4),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            docString: optional('string', 13),
            type: optional('int32', 20),
          } satisfies Fields,
        },
        ValueInfoProto: { fields: { name: optional('string', 1), type: optional('TypeProto', 2), docString: optional('string', 3) } },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: optional('string', 3),
            opType: optional('string', 4),
            attribute: repeated('AttributeProto', 5),
            docString: optional('string', 6),
            domain: optional('string', 7),
          } satisfies Fields,
        },
        ModelProto: {
          fields: {
            irVersion: optional('int64', 1),
            producerName: optional('string', 2),
            producerVersion: optional('string', 3),
            domain: optional('string', 4),
            modelVersion: optional('int64', 5),
            docString: optional('string', 6),
            graph: optional('GraphProto', 7),
            opsetImport: repeated('OperatorSetIdProto', 8),
            metadataProps: repeated('StringStringEntryProto', 14),
          } satisfies Fields,
        },
        StringStringEntryProto: { fields: { key: optional('string', 1), value: optional('string', 2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: optional('string', 2),
            initializer: repeated('TensorProto', 5),
            docString: optional('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          } satisfies Fields,
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            dataType: optional('int32', 2),
            floatData: repeated('float', 4),
            int32Data: repeated('int32', 5),
            int64Data: repeated('int64', 7),
            name: optional('string', 8),
            rawData: optional('bytes', 9),
            docString: optional('string', 12),
          } satisfies Fields,
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: { Dimension: { fields: { dimValue: optional('int64', 1), dimParam: optional('string', 2), denotation: optional('string', 3) } } },
        },
        TypeProto: {
          fields: { tensorType: optional('Tensor', 1), denotation: optional('string', 6) },
          nested: { Tensor: { fields: { elemType: optional('int32', 1), shape: optional('TensorShapeProto', 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: optional('string', 1), version: optional('int64', 2) } },
      },
    },
  },
};

let modelType: protobuf.Type | undefined;

/** The reflected ModelProto type, built once. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(DESCRIPTOR).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serialize a model to the ONNX file format (a binary ModelProto). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const type = modelProto();
  const message = type.fromObject(model as unknown as Record<string, unknown>);
  const problem = type.verify(message);
  if (problem) throw new Error(`invalid ONNX model: ${problem}`);
  return type.encode(message).finish();
}

/**
 * Read a binary ModelProto back into plain objects (int64 fields as numbers, bytes as
 * Uint8Array); fields outside the schema subset are skipped.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, arrays: true, defaults: false }) as unknown as OnnxModel;
}
