/**
 * The layer plan every generator writes from: the architecture's layers in order, each
 * with the name modelsmith's tfjs builder gives it and its per-example input and output
 * shapes. Dropout with rate 0 is left out, as the builder leaves it out. Also the layer
 * descriptions for comments and READMEs, and the activation option Keras and tfjs share.
 */
import { traceShapes, type Shape } from '../models/shapes.js';
import type { Activation, Architecture, LayerSpec } from '../models/types.js';
import { commentText, grouped, stringLiteral, type Language } from './text.js';

export interface PlannedLayer {
  readonly spec: LayerSpec;
  /** The layer's name in modelsmith's tfjs model (`dense_1`, `lstm_2`, `output`, ...). */
  readonly name: string;
  readonly input: Shape;
  readonly output: Shape;
}

/** The base of a layer's name, numbered per base as the tfjs builder numbers them. */
function baseName(spec: LayerSpec): string {
  switch (spec.type) {
    case 'pool2d':
      return `${spec.mode}_pool`;
    case 'recurrent':
      return spec.cell;
    case 'positionalEncoding':
      return 'positional_encoding';
    case 'transformerEncoder':
      return 'encoder';
    case 'sequencePool':
      return spec.mode === 'mean' ? 'mean_pool' : 'last_step';
    default:
      return spec.type;
  }
}

/** Plan an architecture's layers for code generation. */
export function planLayers(architecture: Architecture): PlannedLayer[] {
  const counts = new Map<string, number>();
  const shapes = traceShapes(architecture);
  const planned: PlannedLayer[] = [];
  architecture.layers.forEach((spec, index) => {
    const { input, output } = shapes[index] as { input: Shape; output: Shape };
    if (spec.type === 'dropout' && spec.rate === 0) return;
    const base = baseName(spec);
    const count = (counts.get(base) ?? 0) + 1;
    counts.set(base, count);
    // Encoder blocks also number their inner dropouts in the builder; names here are for people.
    const name = index === architecture.layers.length - 1 ? 'output' : `${base}_${count}`;
    planned.push({ spec, name, input, output });
  });
  return planned;
}

/** What the model's outputs are, per task. */
export const OUTPUT_TEXT = {
  classification: 'class probabilities (the last layer is a softmax)',
  regression: 'the standardized target (decode it with the preprocessing)',
} as const;

/** `name version 3`, the model's name made safe for comments, docstrings and READMEs. */
export function versionTitle(model: { readonly name: string; readonly version: number }): string {
  return `${commentText(model.name, 64)} version ${model.version}`;
}

/** `[7, 16]`: a per-example shape as people write it. */
export function shapeText(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** A one-line description of a layer, for comments and READMEs. */
export function describeLayer(layer: PlannedLayer): string {
  const { spec } = layer;
  const io = `${shapeText(layer.input)} -> ${shapeText(layer.output)}`;
  switch (spec.type) {
    case 'dense':
      return `dense ${spec.units} ${spec.activation}, ${io}`;
    case 'dropout':
      return `dropout ${spec.rate}`;
    case 'flatten':
      return `flatten, ${io}`;
    case 'conv2d':
      return `conv ${spec.kernel}x${spec.kernel} ${spec.filters} filters ${spec.activation} (same padding), ${io}`;
    case 'pool2d':
      return `${spec.mode} pool 2x2 stride 2, ${io}`;
    case 'recurrent':
      return `${spec.bidirectional ? 'bidirectional ' : ''}${spec.cell} ${spec.units} units${spec.returnSequences ? ' (all steps)' : ''}, ${io}`;
    case 'positionalEncoding':
      return `sinusoidal positional encoding, ${io}`;
    case 'transformerEncoder':
      return `encoder block: ${spec.heads} heads x ${spec.headDim}, feed-forward ${spec.ffDim}, dropout ${spec.dropout}, ${io}`;
    case 'sequencePool':
      return `${spec.mode === 'mean' ? 'mean over steps' : 'last step'}, ${io}`;
  }
}

/** Whether any planned layer is of one of the given types. */
export function uses(layers: readonly PlannedLayer[], ...types: LayerSpec['type'][]): boolean {
  return layers.some((layer) => types.includes(layer.spec.type));
}

/** A numbered list of the layers, for READMEs. */
export function layerList(layers: readonly PlannedLayer[], params: number): string {
  const lines = layers.map((layer, i) => `${i + 1}. \`${layer.name}\`: ${describeLayer(layer)}`);
  return `${lines.join('\n')}\n\n${grouped(params)} trainable parameters.`;
}

/** modelsmith's activations by the name Keras and TensorFlow.js both give them. */
const ACTIVATION_NAMES: Readonly<Record<Activation, string>> = {
  relu: 'relu',
  elu: 'elu',
  selu: 'selu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  swish: 'swish',
  linear: 'linear',
  softmax: 'softmax',
};

/**
 * A Keras or TensorFlow.js layer's activation option in `language` (`activation="relu"`,
 * `activation: 'relu'`), or nothing for linear, both libraries' default.
 */
export function activationOption(activation: Activation, language: Language): string[] {
  const name = ACTIVATION_NAMES[activation];
  if (name === undefined) throw new RangeError(`unknown activation ${String(activation)}`);
  if (activation === 'linear') return [];
  const literal = stringLiteral(name, language);
  return [language === 'python' ? `activation=${literal}` : `activation: ${literal}`];
}
