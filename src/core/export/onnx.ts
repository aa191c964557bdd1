/**
 * ONNX export: an architecture (the layer specs the tfjs builder read) and its trained
 * weights become an ONNX model (opset 17, IR version 8) that computes what the tfjs model
 * computes in inference mode, for any runtime that reads ONNX.
 *
 * What exports: every layer spec the builder makes, so all four families —
 * - mlp: dense (MatMul + Add, then its activation), dropout (inference identity, left out),
 *   flatten, softmax or linear output;
 * - cnn: conv2d with 'same' padding and stride 1 (Conv with explicit pads, the extra row
 *   and column at the end as TensorFlow pads), 2x2 max/avg pooling with stride 2;
 * - rnn: LSTM and GRU, one-way or bidirectional (concatenated), returning sequences or the
 *   last state (ONNX LSTM/GRU ops; gates reordered, see {@link recurrent});
 * - transformer: positional encoding (a constant added), post-norm encoder blocks
 *   (multi-head self-attention as MatMul/Softmax, LayerNormalization), mean or last-step
 *   sequence pooling.
 * A layer spec without a lowering here (a future type, a shape a lowering cannot read)
 * makes {@link exportOnnx} throw an {@link OnnxExportError} that names the layer;
 * {@link onnxSupport} answers the same question without weights.
 *
 * Layout: the ONNX input is `input`, shaped exactly like the tfjs model's input with a
 * symbolic batch first ([batch, features], [batch, height, width, channels] — NHWC, as
 * tfjs — or [batch, steps, features]), so the same encoded arrays feed both. Convolutions
 * run in ONNX's NCHW: the graph transposes into NCHW before the first convolution and back
 * to NHWC before anything else (a flatten then orders features exactly as tfjs does). The
 * output is `output`: class probabilities (classification) or the standardized target
 * (regression), as the tfjs model's.
 */
import { ModelsmithError } from '../errors.js';
import { sinusoidalTable } from '../models/layers/positional-encoding.js';
import { expectRank, sizeOf, widthOf, type Shape } from '../models/shapes.js';
import type { Activation, Architecture, LayerSpec } from '../models/types.js';
import {
  encodeOnnxModel,
  ONNX_ATTRIBUTE_TYPE,
  ONNX_DATA_TYPE,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-proto.js';
import type { WeightTensor } from './weights.js';

/** The default-domain operator set the exported graph imports. */
export const ONNX_OPSET = 17;
/** The ONNX IR version matching {@link ONNX_OPSET}. */
export const ONNX_IR_VERSION = 8;
/** Name of the graph's input. */
export const ONNX_INPUT = 'input';
/** Name of the graph's output. */
export const ONNX_OUTPUT = 'output';

/** tfjs's layer-normalization epsilon, which the builder keeps. */
const LAYER_NORM_EPSILON = 1e-3;
/** tfjs's SELU constants (`selu(x) = scale * x` for x > 0, `scaleAlpha * (e^x - 1)` otherwise). */
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_SCALE_ALPHA = 1.7580993408473768599402175208123;

/** The layer spec types with a lowering, for messages. */
const EXPORTABLE_LAYERS = [
  'dense',
  'dropout',
  'flatten',
  'conv2d',
  'pool2d',
  'recurrent',
  'positionalEncoding',
  'transformerEncoder',
  'sequencePool',
] as const;

/** The model cannot be expressed in ONNX by this exporter, or its weights do not fit it. */
export class OnnxExportError extends ModelsmithError {}

export interface OnnxExportOptions {
  /** Name of the ONNX graph; the architecture's family by default. */
  readonly graphName?: string;
  /** Recorded as the producer version (e.g. the package version). */
  readonly producerVersion?: string;
  /** Recorded as the model version (e.g. the registered version number). */
  readonly modelVersion?: number;
  readonly docString?: string;
  /** Free-form key/value pairs stored in the model's metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------------------------------
// Graph assembly

const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: ONNX_ATTRIBUTE_TYPE.int, i }),
  ints: (name: string, ints: readonly number[]): OnnxAttribute => ({ name, type: ONNX_ATTRIBUTE_TYPE.ints, ints }),
  float: (name: string, f: number): OnnxAttribute => ({ name, type: ONNX_ATTRIBUTE_TYPE.float, f }),
  string: (name: string, s: string): OnnxAttribute => ({ name, type: ONNX_ATTRIBUTE_TYPE.string, s: new TextEncoder().encode(s) }),
};

/** Float32 values as the little-endian bytes ONNX's raw_data holds. */
function float32Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytes;
}

/** Nodes and constants in the order they are added (which is topological), with unique names. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private count = 0;
  private readonly int64Constants = new Map<string, string>();

  private fresh(hint: string): string {
    this.count += 1;
    return `${hint}_${this.count}`;
  }

  /** A float32 constant. */
  floats(hint: string, dims: readonly number[], values: Float32Array): string {
    if (values.length !== sizeOf(dims)) throw new RangeError(`constant ${hint}: ${values.length} values for shape [${dims.join(', ')}]`);
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, dataType: ONNX_DATA_TYPE.float, rawData: float32Bytes(values) });
    return name;
  }

  /** An int64 constant (shapes, indices); `dims` [] makes a scalar. Shared when equal. */
  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    const known = this.int64Constants.get(key);
    if (known) return known;
    const name = this.fresh('const_i64');
    this.initializers.push({ name, dims, dataType: ONNX_DATA_TYPE.int64, int64Data: values });
    this.int64Constants.set(key, name);
    return name;
  }

  /** Add a node; returns the names of its outputs. */
  op(opType: string, inputs: readonly string[], attributes: readonly OnnxAttribute[] = [], outputs = 1): string[] {
    const name = this.fresh(opType.toLowerCase());
    const outputNames = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}_out${i}`));
    this.nodes.push({ name, opType, input: inputs, output: outputNames, attribute: attributes });
    return outputNames;
  }

  /** Add a single-output node; returns the output's name. */
  op1(opType: string, inputs: readonly string[], attributes: readonly OnnxAttribute[] = []): string {
    return this.op(opType, inputs, attributes)[0] as string;
  }
}

/** Where lowerings take their weights from, in model order. */
interface WeightSource {
  /** The next weight, which must be `<layer>/<suffix>` with the given shape. */
  take(layer: string, suffix: string, shape: readonly number[]): Float32Array;
}

/** Zeros of the requested shape: lets a lowering run without trained weights. */
const STAND_IN_WEIGHTS: WeightSource = { take: (_layer, _suffix, shape) => new Float32Array(sizeOf(shape)) };

/** Hands out the trained weights in model order, checking each one's shape (and name). */
class WeightReader implements WeightSource {
  private next = 0;

  constructor(private readonly weights: readonly WeightTensor[]) {}

  take(layer: string, suffix: string, shape: readonly number[]): Float32Array {
    const weight = this.weights[this.next];
    if (!weight) throw new OnnxExportError(`${layer}: missing weight ${suffix}; only ${this.weights.length} weights were given`);
    const label = weight.name ?? `#${this.next}`;
    if (weight.name !== undefined && !weight.name.endsWith(`/${suffix}`)) {
      throw new OnnxExportError(`${layer}: expected its ${suffix} weight, got ${weight.name}`);
    }
    if (weight.shape.length !== shape.length || weight.shape.some((dim, i) => dim !== shape[i])) {
      throw new OnnxExportError(`${layer}: weight ${label} has shape [${weight.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    if (weight.values.length !== sizeOf(shape)) {
      throw new OnnxExportError(`${layer}: weight ${label} holds ${weight.values.length} values for shape [${shape.join(', ')}]`);
    }
    this.next += 1;
    return weight.values;
  }

  finish(): void {
    if (this.next !== this.weights.length) {
      throw new OnnxExportError(`the architecture uses ${this.next} weights but ${this.weights.length} were given`);
    }
  }
}

/** The running tensor: its name, its per-example shape in tfjs's terms, and its layout. */
interface Value {
  readonly name: string;
  readonly shape: Shape;
  /** True while an image tensor is held as NCHW for the convolution ops. */
  readonly nchw: boolean;
}

/** Everything a lowering needs. */
interface Lowering {
  readonly graph: GraphBuilder;
  readonly weights: WeightSource;
  /** How messages name the current layer: `layer 3 (conv2d)`. */
  readonly layer: string;
}

/** Bring an image held as NCHW back to tfjs's NHWC; other values pass through. */
function toNhwc(value: Value, graph: GraphBuilder): Value {
  if (!value.nchw) return value;
  return { name: graph.op1('Transpose', [value.name], [attr.ints('perm', [0, 2, 3, 1])]), shape: value.shape, nchw: false };
}

/** Hold an NHWC image as NCHW for Conv and pooling. */
function toNchw(value: Value, graph: GraphBuilder): Value {
  if (value.nchw) return value;
  return { name: graph.op1('Transpose', [value.name], [attr.ints('perm', [0, 3, 1, 2])]), shape: value.shape, nchw: true };
}

/** Apply a layer's activation function. */
function activation(name: string, fn: Activation, context: Lowering): string {
  const { graph } = context;
  switch (fn) {
    case 'linear':
      return name;
    case 'relu':
      return graph.op1('Relu', [name]);
    case 'elu':
      return graph.op1('Elu', [name], [attr.float('alpha', 1)]);
    case 'selu':
      return graph.op1('Selu', [name], [attr.float('alpha', SELU_SCALE_ALPHA / SELU_SCALE), attr.float('gamma', SELU_SCALE)]);
    case 'tanh':
      return graph.op1('Tanh', [name]);
    case 'sigmoid':
      return graph.op1('Sigmoid', [name]);
    case 'swish':
      return graph.op1('Mul', [name, graph.op1('Sigmoid', [name])]);
    case 'softmax':
      return graph.op1('Softmax', [name], [attr.int('axis', -1)]);
    default:
      throw new OnnxExportError(`${context.layer}: activation ${String(fn)} has no ONNX lowering`);
  }
}

/** x·kernel + bias along the last axis (any rank), from the next two weights. */
function affine(value: Value, units: number, context: Lowering, names: readonly [string, string] = ['kernel', 'bias']): string {
  const { graph, weights, layer } = context;
  const width = widthOf(value.shape);
  const kernel = weights.take(layer, names[0], [width, units]);
  const bias = weights.take(layer, names[1], [units]);
  const product = graph.op1('MatMul', [value.name, graph.floats(names[0], [width, units], kernel)]);
  return graph.op1('Add', [product, graph.floats(names[1], [units], bias)]);
}

function dense(spec: Extract<LayerSpec, { type: 'dense' }>, input: Value, context: Lowering): Value {
  const value = toNhwc(input, context.graph);
  const name = activation(affine(value, spec.units, context), spec.activation, context);
  return { name, shape: [...value.shape.slice(0, -1), spec.units], nchw: false };
}

function flatten(input: Value, context: Lowering): Value {
  const value = toNhwc(input, context.graph);
  if (value.shape.length === 1) return value;
  return { name: context.graph.op1('Flatten', [value.name], [attr.int('axis', 1)]), shape: [sizeOf(value.shape)], nchw: false };
}

/** tfjs kernel [k, k, in, out] → ONNX weight [out, in, k, k]. */
function convWeight(kernel: Float32Array, size: number, inputs: number, filters: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      for (let c = 0; c < inputs; c++) {
        for (let f = 0; f < filters; f++) {
          out[((f * inputs + c) * size + row) * size + col] = kernel[((row * size + col) * inputs + c) * filters + f] as number;
        }
      }
    }
  }
  return out;
}

function conv2d(spec: Extract<LayerSpec, { type: 'conv2d' }>, input: Value, context: Lowering): Value {
  const { graph, weights, layer } = context;
  const [height = 0, width = 0, channels = 0] = expectRank(input.shape, 3, layer);
  const value = toNchw(input, graph);
  const k = spec.kernel;
  const kernel = weights.take(layer, 'kernel', [k, k, channels, spec.filters]);
  const bias = weights.take(layer, 'bias', [spec.filters]);
  // 'same' with stride 1 pads k - 1 in all; TensorFlow puts the odd one at the end.
  const before = Math.floor((k - 1) / 2);
  const after = k - 1 - before;
  const conv = graph.op1(
    'Conv',
    [value.name, graph.floats('conv_weight', [spec.filters, channels, k, k], convWeight(kernel, k, channels, spec.filters)), graph.floats('conv_bias', [spec.filters], bias)],
    [attr.ints('kernel_shape', [k, k]), attr.ints('strides', [1, 1]), attr.ints('dilations', [1, 1]), attr.ints('pads', [before, before, after, after])],
  );
  return { name: activation(conv, spec.activation, context), shape: [height, width, spec.filters], nchw: true };
}

function pool2d(spec: Extract<LayerSpec, { type: 'pool2d' }>, input: Value, context: Lowering): Value {
  const { graph, layer } = context;
  const [height = 0, width = 0, channels = 0] = expectRank(input.shape, 3, layer);
  const value = toNchw(input, graph);
  const name = graph.op1(spec.mode === 'max' ? 'MaxPool' : 'AveragePool', [value.name], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
  return { name, shape: [Math.floor(height / 2), Math.floor(width / 2), channels], nchw: true };
}

/**
 * Reorder a tfjs recurrent matrix [rows, gates·units] (gate blocks side by side) into the
 * ONNX layout [gates·units, rows] with the gate blocks in ONNX's order: `order[g]` is the
 * tfjs block that becomes ONNX block g.
 */
function gateRows(matrix: Float32Array, rows: number, units: number, order: readonly number[]): Float32Array {
  const columns = order.length * units;
  const out = new Float32Array(matrix.length);
  order.forEach((source, gate) => {
    for (let j = 0; j < units; j++) {
      for (let r = 0; r < rows; r++) out[(gate * units + j) * rows + r] = matrix[r * columns + source * units + j] as number;
    }
  });
  return out;
}

/**
 * LSTM and GRU as ONNX's LSTM/GRU ops over a time-major copy of the input.
 *
 * Gate order: tfjs (as Keras) lays out LSTM kernels as i, f, c, o and ONNX as i, o, f, c;
 * GRU is z, r, h in both. tfjs's GRU applies the reset gate before the recurrent matmul
 * (it has no `reset_after`), which is ONNX's `linear_before_reset = 0`. tfjs has one bias
 * per gate; it becomes ONNX's input bias (Wb) and the recurrence bias (Rb) is zero. The
 * activations are ONNX's defaults, which are the builder's: sigmoid gates, tanh cell.
 *
 * Bidirectional layers concatenate forward then backward features. tfjs reverses the
 * backward sequence output back into time order, which is how ONNX's reverse direction
 * already indexes it; the last state of the backward pass is ONNX's reverse `Y_h`.
 */
function recurrent(spec: Extract<LayerSpec, { type: 'recurrent' }>, input: Value, context: Lowering): Value {
  const { graph, weights, layer } = context;
  if (input.nchw) throw new OnnxExportError(`${layer}: a recurrent layer cannot follow an image layer`);
  const [steps = 0, features = 0] = expectRank(input.shape, 2, layer);
  const units = spec.units;
  const order = spec.cell === 'lstm' ? [0, 3, 1, 2] : [0, 1, 2];
  const gates = order.length;
  const directions = spec.bidirectional ? 2 : 1;
  const w = new Float32Array(directions * gates * units * features);
  const r = new Float32Array(directions * gates * units * units);
  const b = new Float32Array(directions * 2 * gates * units);
  for (let d = 0; d < directions; d++) {
    const kernel = weights.take(layer, 'kernel', [features, gates * units]);
    const recurrentKernel = weights.take(layer, 'recurrent_kernel', [units, gates * units]);
    const bias = weights.take(layer, 'bias', [gates * units]);
    w.set(gateRows(kernel, features, units, order), d * gates * units * features);
    r.set(gateRows(recurrentKernel, units, units, order), d * gates * units * units);
    b.set(gateRows(bias, 1, units, order), d * 2 * gates * units);
  }
  const timeMajor = graph.op1('Transpose', [input.name], [attr.ints('perm', [1, 0, 2])]);
  const attributes = [attr.int('hidden_size', units), attr.string('direction', spec.bidirectional ? 'bidirectional' : 'forward')];
  if (spec.cell === 'gru') attributes.push(attr.int('linear_before_reset', 0));
  const [sequence, last] = graph.op(
    spec.cell === 'lstm' ? 'LSTM' : 'GRU',
    [
      timeMajor,
      graph.floats(`${spec.cell}_w`, [directions, gates * units, features], w),
      graph.floats(`${spec.cell}_r`, [directions, gates * units, units], r),
      graph.floats(`${spec.cell}_b`, [directions, 2 * gates * units], b),
    ],
    attributes,
    2,
  ) as [string, string];
  const width = directions * units;
  if (spec.returnSequences) {
    // Y: [steps, directions, batch, units] → [batch, steps, directions · units]
    const batchMajor = graph.op1('Transpose', [sequence], [attr.ints('perm', [2, 0, 1, 3])]);
    return { name: graph.op1('Reshape', [batchMajor, graph.int64s([0, 0, width])]), shape: [steps, width], nchw: false };
  }
  // Y_h: [directions, batch, units] → [batch, directions · units]
  const batchMajor = graph.op1('Transpose', [last], [attr.ints('perm', [1, 0, 2])]);
  return { name: graph.op1('Reshape', [batchMajor, graph.int64s([0, width])]), shape: [width], nchw: false };
}

function positionalEncoding(input: Value, context: Lowering): Value {
  const [steps = 0, width = 0] = expectRank(input.shape, 2, context.layer);
  const table = context.graph.floats('positions', [steps, width], sinusoidalTable(steps, width));
  return { name: context.graph.op1('Add', [input.name, table]), shape: input.shape, nchw: false };
}

/** Residual add then layer normalization over the last axis (the next gamma and beta). */
function addAndNorm(residual: string, update: string, width: number, context: Lowering): string {
  const { graph, weights, layer } = context;
  const gamma = weights.take(layer, 'gamma', [width]);
  const beta = weights.take(layer, 'beta', [width]);
  const sum = graph.op1('Add', [residual, update]);
  return graph.op1('LayerNormalization', [sum, graph.floats('norm_gamma', [width], gamma), graph.floats('norm_beta', [width], beta)], [
    attr.int('axis', -1),
    attr.float('epsilon', LAYER_NORM_EPSILON),
  ]);
}

/**
 * A post-norm encoder block, as the builder wires it: self-attention (query, key, value
 * and output projections; softmax(q·kᵀ/√d)·v per head) + residual → layer norm, then a
 * relu feed-forward + residual → layer norm. Dropout is the inference identity.
 */
function transformerEncoder(spec: Extract<LayerSpec, { type: 'transformerEncoder' }>, input: Value, context: Lowering): Value {
  const { graph } = context;
  const [, width = 0] = expectRank(input.shape, 2, context.layer);
  const { heads, headDim } = spec;
  const inner = heads * headDim;
  const split = graph.int64s([0, 0, heads, headDim]);
  const project = (name: 'query' | 'key' | 'value'): string => {
    const flat = affine(input, inner, context, [`${name}_kernel`, `${name}_bias`]);
    return graph.op1('Reshape', [flat, split]);
  };
  // [batch, steps, heads, headDim] → q, v: [batch, heads, steps, headDim]; kᵀ: [batch, heads, headDim, steps]
  const query = graph.op1('Transpose', [project('query')], [attr.ints('perm', [0, 2, 1, 3])]);
  const scaled = graph.op1('Mul', [query, graph.floats('attention_scale', [], Float32Array.of(1 / Math.sqrt(headDim)))]);
  const keyT = graph.op1('Transpose', [project('key')], [attr.ints('perm', [0, 2, 3, 1])]);
  const value = graph.op1('Transpose', [project('value')], [attr.ints('perm', [0, 2, 1, 3])]);
  const weightsOfSteps = graph.op1('Softmax', [graph.op1('MatMul', [scaled, keyT])], [attr.int('axis', -1)]);
  const attended = graph.op1('Transpose', [graph.op1('MatMul', [weightsOfSteps, value])], [attr.ints('perm', [0, 2, 1, 3])]);
  const merged: Value = { name: graph.op1('Reshape', [attended, graph.int64s([0, 0, inner])]), shape: [input.shape[0] ?? 0, inner], nchw: false };
  const attentionOut = affine(merged, width, context, ['output_kernel', 'output_bias']);
  const normed: Value = { name: addAndNorm(input.name, attentionOut, width, context), shape: input.shape, nchw: false };
  const hidden: Value = { name: graph.op1('Relu', [affine(normed, spec.ffDim, context)]), shape: [input.shape[0] ?? 0, spec.ffDim], nchw: false };
  const projected = affine(hidden, width, context);
  return { name: addAndNorm(normed.name, projected, width, context), shape: input.shape, nchw: false };
}

function sequencePool(spec: Extract<LayerSpec, { type: 'sequencePool' }>, input: Value, context: Lowering): Value {
  const { graph } = context;
  const [steps = 0, width = 0] = expectRank(input.shape, 2, context.layer);
  const name =
    spec.mode === 'mean'
      ? graph.op1('ReduceMean', [input.name], [attr.ints('axes', [1]), attr.int('keepdims', 0)])
      : graph.op1('Gather', [input.name, graph.int64s([steps - 1], [])], [attr.int('axis', 1)]);
  return { name, shape: [width], nchw: false };
}

/** Lower one layer spec. */
function lowerLayer(spec: LayerSpec, input: Value, context: Lowering): Value {
  switch (spec.type) {
    case 'dense':
      return dense(spec, input, context);
    case 'dropout':
      return input;
    case 'flatten':
      return flatten(input, context);
    case 'conv2d':
      return conv2d(spec, input, context);
    case 'pool2d':
      return pool2d(spec, input, context);
    case 'recurrent':
      return recurrent(spec, input, context);
    case 'positionalEncoding':
      return positionalEncoding(input, context);
    case 'transformerEncoder':
      return transformerEncoder(spec, input, context);
    case 'sequencePool':
      return sequencePool(spec, input, context);
    default: {
      const type = (spec as { type?: unknown }).type;
      throw new OnnxExportError(`${context.layer} has no ONNX lowering; exportable layer types: ${EXPORTABLE_LAYERS.join(', ')}`, {
        context: { type },
      });
    }
  }
}

/** How messages name a layer. */
function layerLabel(spec: LayerSpec, index: number): string {
  return `layer ${index + 1} (${String((spec as { type?: unknown }).type)})`;
}

/** Lower every layer in order; returns the last value. Shape errors become export errors naming the layer. */
function lowerLayers(arch: Architecture, graph: GraphBuilder, weights: WeightSource): Value {
  if (arch.layers.length === 0) throw new OnnxExportError('an architecture needs at least its output layer');
  let value: Value = { name: ONNX_INPUT, shape: arch.inputShape, nchw: false };
  arch.layers.forEach((spec, index) => {
    try {
      value = lowerLayer(spec, value, { graph, weights, layer: layerLabel(spec, index) });
    } catch (error) {
      throw error instanceof RangeError ? new OnnxExportError(error.message, { cause: error }) : error;
    }
  });
  return value;
}

function valueInfo(name: string, shape: Shape): OnnxValueInfo {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DATA_TYPE.float, shape: { dim: [{ dimParam: 'batch' }, ...shape.map((dimValue) => ({ dimValue }))] } } },
  };
}

/** The ONNX model of an architecture with its weights, as plain objects (before encoding). */
export function buildOnnxModel(arch: Architecture, weights: readonly WeightTensor[], options: OnnxExportOptions = {}): OnnxModel {
  const graph = new GraphBuilder();
  const reader = new WeightReader(weights);
  const value = toNhwc(lowerLayers(arch, graph, reader), graph);
  reader.finish();
  graph.nodes.push({ name: 'output_identity', opType: 'Identity', input: [value.name], output: [ONNX_OUTPUT], attribute: [] });
  return {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'modelsmith',
    ...(options.producerVersion === undefined ? {} : { producerVersion: options.producerVersion }),
    ...(options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion }),
    ...(options.docString === undefined ? {} : { docString: options.docString }),
    graph: {
      name: options.graphName ?? arch.family,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(ONNX_INPUT, arch.inputShape)],
      output: [valueInfo(ONNX_OUTPUT, value.shape)],
    },
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, entry]) => ({ key, value: entry })),
  };
}

/**
 * Export an architecture and its trained weights (in `model.getWeights()` order; see
 * `modelWeights`) as the bytes of an ONNX file. Throws {@link OnnxExportError} naming the
 * layer when a layer has no lowering or the weights do not match the architecture.
 */
export function exportOnnx(arch: Architecture, weights: readonly WeightTensor[], options: OnnxExportOptions = {}): Uint8Array {
  return encodeOnnxModel(buildOnnxModel(arch, weights, options));
}

/**
 * Whether {@link exportOnnx} can lower every layer of an architecture, judged without
 * weights (the layers are lowered against zero-filled stand-ins of the shapes they need).
 */
export function onnxSupport(arch: Architecture): { readonly supported: true } | { readonly supported: false; readonly reason: string } {
  try {
    lowerLayers(arch, new GraphBuilder(), STAND_IN_WEIGHTS);
    return { supported: true };
  } catch (error) {
    if (error instanceof OnnxExportError) return { supported: false, reason: error.message };
    throw error;
  }
}
