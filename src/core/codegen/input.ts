/**
 * What code generation reads: a model version's architecture, its training settings, the
 * fitted preprocessing and the problem it solves. The architecture and preprocessing may
 * come from stored JSON, so every field is checked for type and consistency before any of
 * it is written into source text; anything unexpected is refused, not coerced.
 */
import type { FeatureEncoder, Preprocessor, TargetEncoder } from '../data/preprocess.js';
import { traceShapes } from '../models/shapes.js';
import type { Activation, Architecture, LayerSpec } from '../models/types.js';
import { FAMILIES, OPTIMIZERS, type Scalar } from '../space/catalog.js';

/** How the generated training scripts train, mirroring how modelsmith trained the version. */
export interface TrainingPlan {
  /** One of the catalog's optimizers (adam, adamax, rmsprop, sgd, momentum). */
  readonly optimizer: string;
  readonly learningRate: number;
  readonly batchSize: number;
  /** Epochs the registered version was refit for on all development data. */
  readonly epochs: number;
  /** The assignment's epoch budget: the ceiling when training with early stopping. */
  readonly maxEpochs: number;
  /** Epochs without a lower validation loss before early stopping. */
  readonly patience: number;
  /** Share of the rows held out for early stopping when a script is asked to validate. */
  readonly validationFraction: number;
  /** Default seed of the generated scripts' shuffling and initialization. */
  readonly seed: number;
}

/** The learning problem in names: what the model reads and predicts. */
export interface ProblemDescription {
  readonly task: 'classification' | 'regression';
  readonly kind: Preprocessor['kind'];
  /** Target column. */
  readonly target: string;
  /** Input columns, in encoding order. */
  readonly features: readonly string[];
  /** Class labels (classification): output unit i is `classes[i]`. */
  readonly classes: readonly string[];
  /** Sequence kind: the column that orders the rows; null for file order. */
  readonly orderBy: string | null;
}

/** Everything the generators need about one model version. */
export interface CodegenInput {
  readonly model: { readonly name: string; readonly version: number };
  readonly architecture: Architecture;
  readonly training: TrainingPlan;
  readonly preprocessor: Preprocessor;
  readonly problem: ProblemDescription;
}

/** The problem a fitted preprocessor encodes (the order column is not part of it). */
export function describeProblem(preprocessor: Preprocessor, orderBy: string | null = null): ProblemDescription {
  const target = preprocessor.target;
  return {
    task: target.kind === 'classes' ? 'classification' : 'regression',
    kind: preprocessor.kind,
    target: target.column,
    features: preprocessor.features.map((f) => f.column),
    classes: target.kind === 'classes' ? [...target.classes] : [],
    orderBy,
  };
}

/** The training plan of an assignment's common hyperparameters. */
export function trainingPlanOf(
  assignment: Readonly<Record<string, Scalar>>,
  settings: { readonly epochs: number; readonly patience: number; readonly validationFraction: number; readonly seed: number },
): TrainingPlan {
  return {
    optimizer: String(assignment['optimizer']),
    learningRate: Number(assignment['learningRate']),
    batchSize: Number(assignment['batchSize']),
    epochs: settings.epochs,
    maxEpochs: Number(assignment['epochs']),
    patience: settings.patience,
    validationFraction: settings.validationFraction,
    seed: settings.seed,
  };
}

const ACTIVATIONS: readonly Activation[] = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'swish', 'linear', 'softmax'];
const DATA_KINDS: readonly Preprocessor['kind'][] = ['tabular', 'image', 'sequence'];

function fail(path: string, expected: string, value: unknown): never {
  throw new TypeError(`code generation: ${path} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function int(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(path, `an integer in [${min}, ${max}]`, value);
  return value;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number', value);
  return value;
}

function rate(value: unknown, path: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) fail(path, 'a rate in [0, 1)', value);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'a string', value);
  return value;
}

function oneOf<T extends string>(value: unknown, choices: readonly T[], path: string): T {
  if (!choices.includes(value as T)) fail(path, `one of ${choices.join(', ')}`, value);
  return value as T;
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, 'a list of strings', value);
  return value.map((item, i) => text(item, `${path}[${i}]`));
}

function shape(value: unknown, path: string): number[] {
  if (!Array.isArray(value) || value.length === 0) fail(path, 'a non-empty list of dimensions', value);
  return value.map((dim, i) => int(dim, `${path}[${i}]`, 1));
}

/** Check one layer spec field by field (it may come from a stored architecture.json). */
function checkLayer(layer: unknown, path: string): LayerSpec {
  if (!isRecord(layer)) fail(path, 'a layer object', layer);
  switch (layer['type']) {
    case 'flatten':
    case 'positionalEncoding':
      return { type: layer['type'] };
    case 'dense':
      return { type: 'dense', units: int(layer['units'], `${path}.units`, 1), activation: oneOf(layer['activation'], ACTIVATIONS, `${path}.activation`) };
    case 'dropout':
      return { type: 'dropout', rate: rate(layer['rate'], `${path}.rate`) };
    case 'conv2d':
      return {
        type: 'conv2d',
        filters: int(layer['filters'], `${path}.filters`, 1),
        kernel: int(layer['kernel'], `${path}.kernel`, 1),
        activation: oneOf(layer['activation'], ACTIVATIONS, `${path}.activation`),
      };
    case 'pool2d':
      return { type: 'pool2d', mode: oneOf(layer['mode'], ['max', 'avg'] as const, `${path}.mode`) };
    case 'recurrent': {
      const flag = (name: string): boolean => {
        const value = layer[name];
        if (typeof value !== 'boolean') fail(`${path}.${name}`, 'true or false', value);
        return value;
      };
      return {
        type: 'recurrent',
        cell: oneOf(layer['cell'], ['lstm', 'gru'] as const, `${path}.cell`),
        units: int(layer['units'], `${path}.units`, 1),
        returnSequences: flag('returnSequences'),
        bidirectional: flag('bidirectional'),
      };
    }
    case 'transformerEncoder':
      return {
        type: 'transformerEncoder',
        heads: int(layer['heads'], `${path}.heads`, 1),
        headDim: int(layer['headDim'], `${path}.headDim`, 1),
        ffDim: int(layer['ffDim'], `${path}.ffDim`, 1),
        dropout: rate(layer['dropout'], `${path}.dropout`),
      };
    case 'sequencePool':
      return { type: 'sequencePool', mode: oneOf(layer['mode'], ['mean', 'last'] as const, `${path}.mode`) };
    default:
      return fail(`${path}.type`, 'a known layer type', layer['type']);
  }
}

/** A checked copy of an architecture (e.g. one read back from architecture.json). */
export function checkArchitecture(value: unknown): Architecture {
  if (!isRecord(value)) fail('architecture', 'an object', value);
  const layers = value['layers'];
  if (!Array.isArray(layers) || layers.length === 0) fail('architecture.layers', 'a non-empty list', layers);
  const architecture: Architecture = {
    family: oneOf(value['family'], FAMILIES, 'architecture.family'),
    inputShape: shape(value['inputShape'], 'architecture.inputShape'),
    layers: layers.map((layer, i) => checkLayer(layer, `architecture.layers[${i}]`)),
  };
  const last = architecture.layers[architecture.layers.length - 1];
  if (last?.type !== 'dense') fail('architecture.layers (last)', 'the dense output layer', last);
  // traceShapes throws a RangeError when a layer cannot read its input's shape.
  const output = traceShapes(architecture).at(-1)?.output ?? [];
  if (output.length !== 1) throw new RangeError(`code generation: the model's output must be a vector, got [${output.join(', ')}]`);
  return architecture;
}

function checkFeature(value: unknown, path: string): FeatureEncoder {
  if (!isRecord(value)) fail(path, 'a feature encoder', value);
  const column = text(value['column'], `${path}.column`);
  if (value['kind'] === 'numeric') {
    const scale = finite(value['scale'], `${path}.scale`);
    if (scale === 0) fail(`${path}.scale`, 'non-zero', scale);
    return { kind: 'numeric', column, center: finite(value['center'], `${path}.center`), scale, fill: finite(value['fill'], `${path}.fill`) };
  }
  if (value['kind'] === 'onehot') {
    const levels = strings(value['levels'], `${path}.levels`);
    const known = value['known'];
    if (!Array.isArray(known) || known.length !== levels.length || !known.every((k) => typeof k === 'boolean')) {
      fail(`${path}.known`, `${levels.length} booleans`, known);
    }
    const fill = value['fill'];
    if (fill !== null && (typeof fill !== 'string' || !levels.includes(fill))) fail(`${path}.fill`, 'one of the levels or null', fill);
    return { kind: 'onehot', column, levels, known: known as boolean[], fill };
  }
  return fail(`${path}.kind`, 'numeric or onehot', value['kind']);
}

function checkTarget(value: unknown): TargetEncoder {
  if (!isRecord(value)) fail('preprocessor.target', 'a target encoder', value);
  const column = text(value['column'], 'preprocessor.target.column');
  if (value['kind'] === 'classes') return { kind: 'classes', column, classes: strings(value['classes'], 'preprocessor.target.classes') };
  if (value['kind'] === 'standardized') {
    const scale = finite(value['scale'], 'preprocessor.target.scale');
    if (scale === 0) fail('preprocessor.target.scale', 'non-zero', scale);
    return { kind: 'standardized', column, center: finite(value['center'], 'preprocessor.target.center'), scale };
  }
  return fail('preprocessor.target.kind', 'classes or standardized', value['kind']);
}

/** A checked copy of a fitted preprocessor (e.g. one read back from preprocessor.json). */
export function checkPreprocessor(value: unknown): Preprocessor {
  if (!isRecord(value)) fail('preprocessor', 'an object', value);
  if (value['format'] !== 'modelsmith.preprocessor/1') fail('preprocessor.format', '"modelsmith.preprocessor/1"', value['format']);
  const features = value['features'];
  if (!Array.isArray(features) || features.length === 0) fail('preprocessor.features', 'a non-empty list', features);
  return {
    format: 'modelsmith.preprocessor/1',
    kind: oneOf(value['kind'], DATA_KINDS, 'preprocessor.kind'),
    features: features.map((f, i) => checkFeature(f, `preprocessor.features[${i}]`)),
    target: checkTarget(value['target']),
    inputShape: shape(value['inputShape'], 'preprocessor.inputShape'),
    window: int(value['window'], 'preprocessor.window', 1),
    horizon: int(value['horizon'], 'preprocessor.horizon', 0),
  };
}

function checkTraining(value: TrainingPlan): TrainingPlan {
  if (!isRecord(value)) fail('training', 'an object', value);
  const learningRate = finite(value.learningRate, 'training.learningRate');
  if (learningRate <= 0) fail('training.learningRate', 'positive', learningRate);
  return {
    optimizer: oneOf(value.optimizer, OPTIMIZERS, 'training.optimizer'),
    learningRate,
    batchSize: int(value.batchSize, 'training.batchSize', 1),
    epochs: int(value.epochs, 'training.epochs', 1),
    maxEpochs: int(value.maxEpochs, 'training.maxEpochs', 1),
    patience: int(value.patience, 'training.patience', 1),
    validationFraction: rate(value.validationFraction, 'training.validationFraction'),
    seed: int(value.seed, 'training.seed', 0, 0xffffffff),
  };
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * Check a whole input: each part's types, then that the parts describe one model (the
 * problem names the preprocessor's columns and classes, the preprocessing produces the
 * architecture's input, the output layer fits the task). Returns checked copies.
 */
export function checkInput(input: CodegenInput): CodegenInput {
  if (!isRecord(input)) fail('input', 'an object', input);
  const model = input.model;
  if (!isRecord(model) || typeof model.name !== 'string' || model.name === '') fail('model.name', 'a non-empty string', model?.name);
  const version = int(model.version, 'model.version', 1);
  const architecture = checkArchitecture(input.architecture);
  const preprocessor = checkPreprocessor(input.preprocessor);
  const training = checkTraining(input.training);
  const problem = input.problem;
  if (!isRecord(problem)) fail('problem', 'an object', problem);

  if (problem.orderBy !== null) text(problem.orderBy, 'problem.orderBy');
  const derived = describeProblem(preprocessor, problem.orderBy);
  const mismatch = (field: string) => {
    throw new RangeError(`code generation: problem.${field} does not match the fitted preprocessing`);
  };
  if (problem.task !== derived.task) mismatch('task');
  if (problem.kind !== derived.kind) mismatch('kind');
  if (problem.target !== derived.target) mismatch('target');
  if (!sameList(strings(problem.features, 'problem.features'), derived.features)) mismatch('features');
  if (!sameList(strings(problem.classes, 'problem.classes'), derived.classes)) mismatch('classes');
  if (!sameList(preprocessor.inputShape, architecture.inputShape)) {
    throw new RangeError(
      `code generation: the preprocessing makes inputs of shape [${preprocessor.inputShape.join(', ')}] but the model reads [${architecture.inputShape.join(', ')}]`,
    );
  }
  const width = preprocessor.features.reduce((n, f) => n + (f.kind === 'numeric' ? 1 : f.levels.length), 0);
  const expectedSize = preprocessor.kind === 'sequence' ? preprocessor.window * width : width;
  if (architecture.inputShape.reduce((a, b) => a * b, 1) !== expectedSize || (preprocessor.kind === 'sequence' && architecture.inputShape[0] !== preprocessor.window)) {
    throw new RangeError(`code generation: ${preprocessor.features.length} encoded columns do not fill an input of shape [${architecture.inputShape.join(', ')}]`);
  }
  const output = architecture.layers[architecture.layers.length - 1] as Extract<LayerSpec, { type: 'dense' }>;
  if (derived.task === 'classification' && (output.units !== derived.classes.length || output.activation !== 'softmax')) {
    throw new RangeError(`code generation: a classifier of ${derived.classes.length} classes needs a softmax output of that many units`);
  }
  if (derived.task === 'regression' && (output.units !== 1 || output.activation !== 'linear')) {
    throw new RangeError('code generation: a regression model needs one linear output unit');
  }
  return { model: { name: model.name, version }, architecture, training, preprocessor, problem: { ...derived } };
}
