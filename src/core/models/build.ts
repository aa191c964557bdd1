/**
 * From an architecture to an untrained tfjs model: one functional graph per architecture,
 * every initializer and dropout stream seeded from the build seed, so equal seeds give
 * equal weights and replayable training.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../random.js';
import { LastStep, MultiHeadSelfAttention, PositionalEncoding, SeededDropout, SeededOrthogonal } from './layers/index.js';
import type { Architecture, LayerSpec } from './types.js';

/** Per-build state: the seed stream for initializers and dropout, and unique layer names. */
class BuildContext {
  private readonly seeds: Rng;
  private readonly counts = new Map<string, number>();

  constructor(seed: number) {
    this.seeds = createRng(seed, 'build');
  }

  /** The next seed of the stream; layers draw in graph order, so builds are reproducible. */
  seed(): number {
    return this.seeds.seed();
  }

  /** `kind_1`, `kind_2`, ...: names that are the same in every build of an architecture. */
  name(kind: string): string {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    return `${kind}_${count}`;
  }

  /** Glorot-uniform kernel initializer with the next seed (Keras's default for kernels). */
  glorot(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.seed() });
  }

  /** Orthogonal initializer with the next seed (Keras's default for recurrent kernels). */
  orthogonal(): SeededOrthogonal {
    return new SeededOrthogonal({ seed: this.seed() });
  }
}

/** Apply a layer to one symbolic tensor (or several, for merges) and get one back. */
function connect(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}

function dropout(rate: number, input: tf.SymbolicTensor, context: BuildContext): tf.SymbolicTensor {
  if (rate === 0) return input;
  return connect(new SeededDropout({ rate, seed: context.seed(), name: context.name('dropout') }), input);
}

/** The kernel, recurrent kernel and bias of a built recurrent layer, in tfjs's order. */
const RECURRENT_WEIGHTS = 3;

/**
 * tfjs builds a bidirectional layer's backward copy from the forward layer's config, so
 * seeded initializers would give both directions identical kernels. Draw the backward
 * kernel and recurrent kernel again from fresh seeds; biases stay as initialized.
 */
function reseedBackward(layer: tf.layers.Layer, context: BuildContext): void {
  const weights = layer.getWeights();
  const [kernel, recurrentKernel] = weights.slice(RECURRENT_WEIGHTS);
  if (weights.length !== 2 * RECURRENT_WEIGHTS || !kernel || !recurrentKernel) {
    throw new Error(`unexpected bidirectional weights: ${weights.length}`);
  }
  const fresh = [context.glorot().apply(kernel.shape), context.orthogonal().apply(recurrentKernel.shape)];
  layer.setWeights([...weights.slice(0, RECURRENT_WEIGHTS), ...fresh, ...weights.slice(RECURRENT_WEIGHTS + 2)]);
  tf.dispose(fresh);
}

function recurrent(spec: Extract<LayerSpec, { type: 'recurrent' }>, input: tf.SymbolicTensor, context: BuildContext): tf.SymbolicTensor {
  const name = context.name(spec.cell);
  const common = {
    units: spec.units,
    returnSequences: spec.returnSequences,
    // Keras defaults; tfjs's own are hard sigmoid and, for GRU, glorot-normal kernels.
    recurrentActivation: 'sigmoid' as const,
    kernelInitializer: context.glorot(),
    recurrentInitializer: context.orthogonal(),
    biasInitializer: 'zeros' as const,
    name,
  };
  const cell = spec.cell === 'lstm' ? tf.layers.lstm({ ...common, unitForgetBias: true }) : tf.layers.gru(common);
  if (!spec.bidirectional) return connect(cell, input);
  const wrapper = tf.layers.bidirectional({ layer: cell, mergeMode: 'concat', name: `bidirectional_${name}` });
  const output = connect(wrapper, input);
  reseedBackward(wrapper, context);
  return output;
}

/**
 * A post-norm transformer encoder block: x + dropout(attention(x)) → layer norm, then
 * x + dropout(dense(relu(dense(x)))) → layer norm.
 */
function transformerEncoder(
  spec: Extract<LayerSpec, { type: 'transformerEncoder' }>,
  input: tf.SymbolicTensor,
  context: BuildContext,
): tf.SymbolicTensor {
  const width = input.shape[input.shape.length - 1];
  if (typeof width !== 'number') throw new RangeError('transformer encoder needs a known width');
  const block = context.name('encoder');
  const sublayer = (residual: tf.SymbolicTensor, update: tf.SymbolicTensor, part: string): tf.SymbolicTensor => {
    const sum = connect(tf.layers.add({ name: `${block}_${part}_add` }), [residual, dropout(spec.dropout, update, context)]);
    return connect(tf.layers.layerNormalization({ axis: -1, name: `${block}_${part}_norm` }), sum);
  };
  const attention = new MultiHeadSelfAttention({ heads: spec.heads, headDim: spec.headDim, seed: context.seed(), name: `${block}_attention` });
  const attended = sublayer(input, connect(attention, input), 'attention');
  const hidden = connect(
    tf.layers.dense({ units: spec.ffDim, activation: 'relu', kernelInitializer: context.glorot(), name: `${block}_ff_hidden` }),
    attended,
  );
  const projected = connect(tf.layers.dense({ units: width, kernelInitializer: context.glorot(), name: `${block}_ff_output` }), hidden);
  return sublayer(attended, projected, 'ff');
}

/** Add one layer spec to the graph. `name` overrides the generated layer name. */
function addLayer(spec: LayerSpec, input: tf.SymbolicTensor, context: BuildContext, name?: string): tf.SymbolicTensor {
  switch (spec.type) {
    case 'flatten':
      return connect(tf.layers.flatten({ name: context.name('flatten') }), input);
    case 'dense':
      return connect(
        tf.layers.dense({
          units: spec.units,
          activation: spec.activation,
          kernelInitializer: context.glorot(),
          biasInitializer: 'zeros',
          name: name ?? context.name('dense'),
        }),
        input,
      );
    case 'dropout':
      return dropout(spec.rate, input, context);
    case 'conv2d':
      return connect(
        tf.layers.conv2d({
          filters: spec.filters,
          kernelSize: spec.kernel,
          padding: 'same',
          activation: spec.activation,
          kernelInitializer: context.glorot(),
          biasInitializer: 'zeros',
          name: context.name('conv2d'),
        }),
        input,
      );
    case 'pool2d': {
      const args = { poolSize: 2, strides: 2, padding: 'valid' as const, name: context.name(`${spec.mode}_pool`) };
      return connect(spec.mode === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args), input);
    }
    case 'recurrent':
      return recurrent(spec, input, context);
    case 'positionalEncoding':
      return connect(new PositionalEncoding({ name: context.name('positional_encoding') }), input);
    case 'transformerEncoder':
      return transformerEncoder(spec, input, context);
    case 'sequencePool': {
      const layerName = context.name(spec.mode === 'mean' ? 'mean_pool' : 'last_step');
      const layer = spec.mode === 'mean' ? tf.layers.globalAveragePooling1d({ name: layerName }) : new LastStep({ name: layerName });
      return connect(layer, input);
    }
  }
}

/**
 * Build the untrained tfjs model of an architecture. Kernels are glorot-uniform, recurrent
 * kernels orthogonal, biases zero (an LSTM's forget-gate bias one), dropout is
 * {@link SeededDropout}; all seeds derive from `seed`. The last layer is named `output`.
 * The model is not compiled: training runs its own loop.
 */
export function buildModel(arch: Architecture, seed: number): tf.LayersModel {
  if (arch.layers.length === 0) throw new RangeError('an architecture needs at least its output layer');
  const context = new BuildContext(seed);
  let model: tf.LayersModel | undefined;
  // Weights are variables, which outlive the tidy; it frees what initializers leave
  // behind (tfjs's LSTM unit-forget-bias initializer never disposes its four parts).
  tf.tidy(() => {
    const input = tf.input({ shape: [...arch.inputShape], name: 'input' });
    let output = input;
    arch.layers.forEach((spec, index) => {
      output = addLayer(spec, output, context, index === arch.layers.length - 1 ? 'output' : undefined);
    });
    model = tf.model({ inputs: input, outputs: output, name: arch.family });
  });
  if (!model) throw new Error('the model was not built');
  return model;
}
