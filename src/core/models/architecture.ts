/**
 * From an assignment to an architecture: one describer per model family turns the flat
 * hyperparameter record into the ordered list of layer specs the builder and the cost
 * estimator read.
 */
import { FAMILIES, type Family, type Scalar } from '../space/catalog.js';
import type { Assignment } from '../space/space.js';
import { layerOutputShape, type Shape } from './shapes.js';
import type { Activation, Architecture, DataShape, LayerSpec } from './types.js';

/** Hidden activations a spec may choose (the output layer's softmax/linear are set here). */
const HIDDEN_ACTIVATIONS: readonly Activation[] = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'swish'];

/** Typed reads of one family's hyperparameters, failing loudly on a missing or mistyped value. */
class FamilyReader {
  constructor(
    private readonly assignment: Assignment,
    private readonly family: Family,
  ) {}

  private raw(name: string): Scalar {
    const value = this.assignment[`${this.family}.${name}`];
    if (value === undefined) throw new RangeError(`assignment has no ${this.family}.${name}`);
    return value;
  }

  /** A whole number ≥ `min`. */
  int(name: string, min: number): number {
    const value = this.raw(name);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new RangeError(`${this.family}.${name} must be an integer ≥ ${min}, got ${String(value)}`);
    }
    return value;
  }

  /** A dropout rate in [0, 1). */
  rate(name: string): number {
    const value = this.raw(name);
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw new RangeError(`${this.family}.${name} must be a rate in [0, 1), got ${String(value)}`);
    }
    return value;
  }

  /** One of the listed values. */
  choice<T extends Scalar>(name: string, choices: readonly T[]): T {
    const value = this.raw(name);
    const match = choices.find((choice) => choice === value);
    if (match === undefined) {
      throw new RangeError(`${this.family}.${name} must be one of ${choices.join(', ')}, got ${String(value)}`);
    }
    return match;
  }

  activation(name: string): Activation {
    return this.choice(name, HIDDEN_ACTIVATIONS);
  }
}

/** A dropout layer when the rate is positive, nothing otherwise (spread into a layer list). */
function dropoutIfAny(rate: number): LayerSpec[] {
  return rate > 0 ? [{ type: 'dropout', rate }] : [];
}

/** The output head: softmax over the classes, or one linear unit for regression. */
function outputLayer(data: DataShape): LayerSpec {
  if (data.task === 'regression') return { type: 'dense', units: 1, activation: 'linear' };
  if (!Number.isInteger(data.outputUnits) || data.outputUnits < 2) {
    throw new RangeError(`classification needs at least 2 output units, got ${data.outputUnits}`);
  }
  return { type: 'dense', units: data.outputUnits, activation: 'softmax' };
}

/** Check the input rank a family needs. */
function requireRank(data: DataShape, rank: number, family: Family, layout: string): void {
  if (data.inputShape.length !== rank) {
    throw new RangeError(`${family} needs ${layout} input, got [${data.inputShape.join(', ')}]`);
  }
}

function describeMlp(read: FamilyReader, data: DataShape): LayerSpec[] {
  const layers = read.int('layers', 1);
  const units = read.int('units', 1);
  const dropout = read.rate('dropout');
  const activation = read.activation('activation');
  const specs: LayerSpec[] = data.inputShape.length > 1 ? [{ type: 'flatten' }] : [];
  for (let i = 0; i < layers; i++) specs.push({ type: 'dense', units, activation }, ...dropoutIfAny(dropout));
  return specs;
}

function describeCnn(read: FamilyReader, data: DataShape): LayerSpec[] {
  requireRank(data, 3, 'cnn', 'image [height, width, channels]');
  const blocks = read.int('blocks', 1);
  const filters = read.int('filters', 1);
  const kernel = read.int('kernel', 1);
  const activation = read.activation('activation');
  const pooling = read.choice('pooling', ['max', 'avg'] as const);
  const dense = read.int('dense', 0);
  const dropout = read.rate('dropout');
  const specs: LayerSpec[] = [];
  let shape: Shape = data.inputShape;
  const push = (spec: LayerSpec): void => {
    specs.push(spec);
    shape = layerOutputShape(spec, shape);
  };
  for (let block = 0; block < blocks; block++) {
    push({ type: 'conv2d', filters: filters * 2 ** block, kernel, activation });
    const [height = 0, width = 0] = shape;
    if (height >= 2 && width >= 2) push({ type: 'pool2d', mode: pooling });
  }
  specs.push({ type: 'flatten' });
  if (dense > 0) specs.push({ type: 'dense', units: dense, activation });
  specs.push(...dropoutIfAny(dropout));
  return specs;
}

function describeRnn(read: FamilyReader, data: DataShape): LayerSpec[] {
  requireRank(data, 2, 'rnn', 'sequence [steps, features]');
  const cell = read.choice('cell', ['lstm', 'gru'] as const);
  const layers = read.int('layers', 1);
  const units = read.int('units', 1);
  const bidirectional = read.choice('bidirectional', [false, true]);
  const dropout = read.rate('dropout');
  const specs: LayerSpec[] = [];
  for (let i = 0; i < layers; i++) {
    const returnSequences = i < layers - 1;
    specs.push({ type: 'recurrent', cell, units, returnSequences, bidirectional }, ...dropoutIfAny(dropout));
  }
  return specs;
}

function describeTransformer(read: FamilyReader, data: DataShape): LayerSpec[] {
  requireRank(data, 2, 'transformer', 'sequence [steps, features]');
  const layers = read.int('layers', 1);
  const heads = read.int('heads', 1);
  const headDim = read.int('headDim', 1);
  const ffDim = read.int('ffDim', 1);
  const dropout = read.rate('dropout');
  const pooling = read.choice('pooling', ['mean', 'last'] as const);
  const specs: LayerSpec[] = [
    { type: 'dense', units: heads * headDim, activation: 'linear' },
    { type: 'positionalEncoding' },
  ];
  for (let i = 0; i < layers; i++) specs.push({ type: 'transformerEncoder', heads, headDim, ffDim, dropout });
  specs.push({ type: 'sequencePool', mode: pooling });
  return specs;
}

const DESCRIBERS: Record<Family, (read: FamilyReader, data: DataShape) => LayerSpec[]> = {
  mlp: describeMlp,
  cnn: describeCnn,
  rnn: describeRnn,
  transformer: describeTransformer,
};

/**
 * Turn an assignment into the layer list of its family for data of the given shape. The
 * last layer is always the output head. Throws a RangeError when the family cannot read
 * the data (e.g. a cnn on tabular input) or a family parameter is missing or out of type.
 */
export function describeArchitecture(assignment: Assignment, data: DataShape): Architecture {
  const family = assignment['family'];
  if (!FAMILIES.includes(family as Family)) throw new RangeError(`unknown family ${String(family)}`);
  if (data.inputShape.length === 0 || !data.inputShape.every((dim) => Number.isInteger(dim) && dim > 0)) {
    throw new RangeError(`input shape must be positive integers, got [${data.inputShape.join(', ')}]`);
  }
  const reader = new FamilyReader(assignment, family as Family);
  const hidden = DESCRIBERS[family as Family](reader, data);
  return { family: family as Family, inputShape: [...data.inputShape], layers: [...hidden, outputLayer(data)] };
}
