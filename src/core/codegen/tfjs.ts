/**
 * The TensorFlow.js target (TypeScript for Node): `model.ts` (the functional tfjs graph
 * modelsmith builds, with its custom layers written out), `preprocessing.ts`, `train.ts`,
 * `predict.ts`, a `package.json`, a strict `tsconfig.json` and a README. Weights are read
 * from and written as TensorFlow.js weight manifests, so `predict.ts` also runs the
 * registered version's own `model.json` and `weights.bin`.
 */
import { OPTIMIZER_NOTES, trainingConstants, trainingSummary } from './hyperparameters.js';
import type { CodegenInput } from './input.js';
import { activationOption, describeLayer, layerList, OUTPUT_TEXT, planLayers, uses, versionTitle, type PlannedLayer } from './layers.js';
import { dedent, lineComment, fill, grouped, indent, intLiteral, numberLiteral, sections, snakeName, tsString } from './text.js';
import { typescriptPreprocessing } from './typescript-preprocessing.js';

/** The tfjs package version the generated project depends on (the one modelsmith trains with). */
const TFJS_VERSION = '^4.22.0';

/** Longest line the generated TypeScript aims for (this project's own habit). */
const WIDTH = 120;

/** `{ a: 1, b: 2 }` at `column`, or one entry per line when that is too long. */
function tsObject(entries: readonly string[], column: number): string {
  const inline = `{ ${entries.join(', ')} }`;
  if (column + inline.length <= WIDTH) return inline;
  return `{\n${entries.map((entry) => indent(`${entry},`, 2)).join('\n')}\n}`;
}

/** `head(a, b)` at `column`, or one argument per line (arguments may span lines). */
function tsCall(head: string, args: readonly string[], column: number): string {
  const inline = `${head}(${args.join(', ')})`;
  if (!inline.includes('\n') && column + inline.length <= WIDTH) return inline;
  return `${head}(\n${args.map((arg) => indent(`${arg},`, 2)).join('\n')}\n)`;
}

/** `x = connect(layer, x);` for a layer expression, broken over lines when long. */
function connectStatement(layer: (column: number) => string): string {
  const inline = `x = connect(${layer(14)}, x);`;
  if (!inline.includes('\n') && 2 + inline.length <= WIDTH) return inline;
  // Indented 2 in buildModel, after `x = ` and before `;`: 7 characters beside the call.
  return `x = ${tsCall('connect', [layer(4), 'x'], 7)};`;
}

/** The statement adding one planned layer inside `buildModel`. */
function layerStatement(layer: PlannedLayer): string {
  const { spec } = layer;
  const name = `name: ${tsString(layer.name)}`;
  const glorot = "kernelInitializer: 'glorotUniform'";
  const add = (factory: string, entries: string[]): string =>
    connectStatement((column) => `${factory}(${tsObject(entries, column + factory.length + 1)})`);
  switch (spec.type) {
    case 'dense':
      return add('tf.layers.dense', [`units: ${intLiteral(spec.units, 'units', 1)}`, ...activationOption(spec.activation, 'typescript'), glorot, name]);
    case 'dropout':
      return add('tf.layers.dropout', [`rate: ${numberLiteral(spec.rate, 'dropout rate')}`, name]);
    case 'flatten':
      return add('tf.layers.flatten', [name]);
    case 'conv2d':
      return add('tf.layers.conv2d', [
        `filters: ${intLiteral(spec.filters, 'filters', 1)}`,
        `kernelSize: ${intLiteral(spec.kernel, 'kernel', 1)}`,
        "padding: 'same'",
        ...activationOption(spec.activation, 'typescript'),
        glorot,
        name,
      ]);
    case 'pool2d':
      return add(spec.mode === 'max' ? 'tf.layers.maxPooling2d' : 'tf.layers.averagePooling2d', ['poolSize: 2', 'strides: 2', "padding: 'valid'", name]);
    case 'recurrent': {
      const entries = [
        `units: ${intLiteral(spec.units, 'units', 1)}`,
        `returnSequences: ${spec.returnSequences ? 'true' : 'false'}`,
        ...(spec.cell === 'lstm' ? ['unitForgetBias: true'] : []),
        name,
      ];
      const cell = (column: number) => `${spec.cell}(${tsObject(entries, column + spec.cell.length + 1)})`;
      if (!spec.bidirectional) return connectStatement(cell);
      return connectStatement((column) => tsCall('bidirectional', [cell(column + 16), tsString(`bidirectional_${layer.name}`)], column));
    }
    case 'positionalEncoding':
      return connectStatement((column) => `new PositionalEncoding(${tsObject([name], column + 23)})`);
    case 'transformerEncoder': {
      const entries = [
        `heads: ${intLiteral(spec.heads, 'heads', 1)}`,
        `headDim: ${intLiteral(spec.headDim, 'headDim', 1)}`,
        `ffDim: ${intLiteral(spec.ffDim, 'ffDim', 1)}`,
        `dropout: ${numberLiteral(spec.dropout, 'dropout')}`,
        name,
      ];
      return `x = ${tsCall('transformerEncoder', ['x', tsObject(entries, 28)], 7)};`;
    }
    case 'sequencePool':
      return spec.mode === 'mean'
        ? add('tf.layers.globalAveragePooling1d', [name])
        : connectStatement((column) => `new LastStep(${tsObject([name], column + 13)})`);
  }
}

const ORTHOGONAL_INITIALIZER = dedent(`
  /** tfjs's initializer base class, which it checks with instanceof but does not export. */
  type Initializer = ReturnType<typeof tf.initializers.zeros>;
  const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as (abstract new () => Initializer) &
    Pick<typeof tf.serialization.Serializable, 'fromConfig'>;

  /**
   * Orthogonal initialization (Keras's default for recurrent kernels) by Gram-Schmidt in
   * plain arithmetic: tfjs's own 'orthogonal' runs a QR decomposition through tensor ops
   * that takes seconds for a 64-unit layer.
   */
  class FastOrthogonal extends InitializerBase {
    static className = 'FastOrthogonal';

    override apply(shape: tf.Shape): tf.Tensor {
      const rows = shape.slice(0, -1).reduce<number>((product, dim) => product * (dim ?? 1), 1);
      const cols = shape[shape.length - 1] ?? 1;
      const [tall, narrow] = [Math.max(rows, cols), Math.min(rows, cols)];
      const draws = tf.tidy(() => tf.randomNormal([narrow, tall]).dataSync());
      const columns = Array.from({ length: narrow }, (_, j) => Float64Array.from(draws.slice(j * tall, (j + 1) * tall)));
      columns.forEach((column, j) => {
        for (let pass = 0; pass < 2; pass++) {
          for (const previous of columns.slice(0, j)) {
            const dot = column.reduce((sum, value, i) => sum + value * (previous[i] ?? 0), 0);
            column.forEach((value, i) => (column[i] = value - dot * (previous[i] ?? 0)));
          }
        }
        const norm = Math.sqrt(column.reduce((sum, value) => sum + value * value, 0));
        column.forEach((value, i) => (column[i] = value / norm));
      });
      const values = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) values[r * cols + c] = (rows >= cols ? columns[c]?.[r] : columns[r]?.[c]) ?? 0;
      }
      return tf.tensor(values, shape as number[]);
    }

    override getConfig(): tf.serialization.ConfigDict {
      return {};
    }
  }
  // Registered so a bidirectional wrapper can clone layers that use it.
  tf.serialization.registerClass(FastOrthogonal);
`);

const RECURRENT_DEFAULTS = dedent(`
  /**
   * Keras's recurrent defaults: sigmoid gates (tfjs defaults to hard sigmoid), glorot-uniform
   * kernels, orthogonal recurrent kernels, zero biases.
   */
  const RECURRENT_DEFAULTS = {
    recurrentActivation: 'sigmoid',
    kernelInitializer: 'glorotUniform',
    biasInitializer: 'zeros',
  } as const;
`);

const LSTM_FACTORY = dedent(`
  /** An LSTM layer; unitForgetBias starts the forget gate's bias at 1. */
  function lstm(args: { units: number; returnSequences: boolean; unitForgetBias: true; name: string }): tf.layers.Layer {
    return tf.layers.lstm({ ...RECURRENT_DEFAULTS, recurrentInitializer: new FastOrthogonal(), ...args });
  }
`);

const GRU_FACTORY = dedent(`
  /** A GRU layer; tfjs applies the reset gate before the recurrent product (Keras's reset_after=False). */
  function gru(args: { units: number; returnSequences: boolean; name: string }): tf.layers.Layer {
    return tf.layers.gru({ ...RECURRENT_DEFAULTS, recurrentInitializer: new FastOrthogonal(), ...args });
  }
`);

const BIDIRECTIONAL_FACTORY = dedent(`
  /** Forward and backward copies of a recurrent layer, outputs concatenated. */
  function bidirectional(layer: tf.layers.Layer, name: string): tf.layers.Layer {
    return tf.layers.bidirectional({ layer: layer as tf.RNN, mergeMode: 'concat', name });
  }
`);

const SINGLE_TENSOR = dedent(`
  /** The one tensor a single-input layer receives. */
  function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
  }
`);

const SINGLE_SHAPE = dedent(`
  /** The one shape a single-input layer receives. */
  function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const first = inputShape[0];
    return Array.isArray(first) ? first : (inputShape as tf.Shape);
  }
`);

const POSITIONAL_LAYER = dedent(`
  /**
   * Adds fixed sinusoidal position encodings to a [batch, steps, width] input: feature 2i
   * of step p gets sin(p / 10000^(2i / width)), feature 2i + 1 the cosine.
   */
  export class PositionalEncoding extends tf.layers.Layer {
    static className = 'PositionalEncoding';

    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
      return inputShape;
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      const input = singleTensor(inputs);
      const [, steps = 0, width = 0] = input.shape;
      const table = new Float32Array(steps * width);
      for (let step = 0; step < steps; step++) {
        for (let feature = 0; feature < width; feature++) {
          const angle = step / 10000 ** ((feature - (feature % 2)) / width);
          table[step * width + feature] = feature % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
        }
      }
      return tf.tidy(() => tf.add(input, tf.tensor2d(table, [steps, width])));
    }
  }
  tf.serialization.registerClass(PositionalEncoding);
`);

const LAST_STEP_LAYER = dedent(`
  /** [batch, steps, width] -> [batch, width]: keeps the last step. */
  export class LastStep extends tf.layers.Layer {
    static className = 'LastStep';

    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
      const shape = singleShape(inputShape);
      return [shape[0] ?? null, shape[2] ?? null];
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      const input = singleTensor(inputs);
      const steps = input.shape[1] ?? 0;
      return tf.tidy(() => tf.squeeze(tf.slice(input, [0, steps - 1, 0], [-1, 1, -1]), [1]));
    }
  }
  tf.serialization.registerClass(LastStep);
`);

const ATTENTION_LAYER = dedent(`
  /** A learned affine map along the last axis. */
  interface Projection {
    readonly kernel: tf.LayerVariable;
    readonly bias: tf.LayerVariable;
  }

  function project(input: tf.Tensor, projection: Projection): tf.Tensor {
    const kernel = projection.kernel.read();
    const [inputs = 0, outputs = 0] = kernel.shape;
    const mapped = tf.add(tf.matMul(tf.reshape(input, [-1, inputs]), kernel), projection.bias.read());
    return tf.reshape(mapped, [...input.shape.slice(0, -1), outputs]);
  }

  /**
   * Scaled dot-product self-attention over all steps: query, key and value projections to
   * heads x headDim, softmax(q.k / sqrt(headDim)).v per head, heads concatenated and
   * projected back to the width. Every projection has a bias.
   */
  export class MultiHeadSelfAttention extends tf.layers.Layer {
    static className = 'MultiHeadSelfAttention';
    readonly heads: number;
    readonly headDim: number;
    private projections: Projection[] = [];

    constructor(args: { heads: number; headDim: number; name: string }) {
      super({ name: args.name });
      this.heads = args.heads;
      this.headDim = args.headDim;
    }

    override build(inputShape: tf.Shape | tf.Shape[]): void {
      const shape = singleShape(inputShape);
      const width = shape[shape.length - 1] ?? 0;
      const inner = this.heads * this.headDim;
      const sizes: [string, number, number][] = [
        ['query', width, inner],
        ['key', width, inner],
        ['value', width, inner],
        ['output', inner, width],
      ];
      this.projections = sizes.map(([name, inputs, outputs]) => ({
        kernel: this.addWeight(name + '_kernel', [inputs, outputs], 'float32', tf.initializers.glorotUniform({})),
        bias: this.addWeight(name + '_bias', [outputs], 'float32', tf.initializers.zeros()),
      }));
      this.built = true;
    }

    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
      return singleShape(inputShape);
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      const input = singleTensor(inputs);
      const [query, key, value, output] = this.projections;
      if (!query || !key || !value || !output) throw new Error('MultiHeadSelfAttention called before build');
      const [batch = 0, steps = 0] = input.shape;
      const { heads, headDim } = this;
      return tf.tidy(() => {
        // [batch, steps, heads * headDim] -> [batch, heads, steps, headDim]
        const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, steps, heads, headDim]), [0, 2, 1, 3]);
        const q = tf.mul(split(project(input, query)), 1 / Math.sqrt(headDim));
        const weights = tf.softmax(tf.matMul(q, split(project(input, key)), false, true));
        const context = tf.matMul(weights, split(project(input, value)));
        return project(tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, steps, heads * headDim]), output);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), heads: this.heads, headDim: this.headDim };
    }
  }
  tf.serialization.registerClass(MultiHeadSelfAttention);
`);

const ENCODER_FUNCTION = dedent(`
  /**
   * Post-norm encoder block: x + dropout(attention(x)) -> layer norm, then
   * x + dropout(dense(relu(dense(x)))) -> layer norm (epsilon 1e-3).
   */
  function transformerEncoder(
    x: tf.SymbolicTensor,
    block: { heads: number; headDim: number; ffDim: number; dropout: number; name: string },
  ): tf.SymbolicTensor {
    const width = x.shape[x.shape.length - 1] ?? 0;
    const sublayer = (residual: tf.SymbolicTensor, update: tf.SymbolicTensor, part: string): tf.SymbolicTensor => {
      const prefix = block.name + '_' + part;
      const dropout = tf.layers.dropout({ rate: block.dropout, name: prefix + '_dropout' });
      const dropped = block.dropout > 0 ? connect(dropout, update) : update;
      const sum = connect(tf.layers.add({ name: prefix + '_add' }), [residual, dropped]);
      return connect(tf.layers.layerNormalization({ axis: -1, name: prefix + '_norm' }), sum);
    };
    const { heads, headDim, ffDim, name } = block;
    const attention = new MultiHeadSelfAttention({ heads, headDim, name: name + '_attention' });
    const attended = sublayer(x, connect(attention, x), 'attention');
    const kernelInitializer = 'glorotUniform';
    const ffHidden = tf.layers.dense({ units: ffDim, activation: 'relu', kernelInitializer, name: name + '_ff_hidden' });
    const hidden = connect(ffHidden, attended);
    const projected = connect(tf.layers.dense({ units: width, kernelInitializer, name: name + '_ff_output' }), hidden);
    return sublayer(attended, projected, 'ff');
  }
`);

const WEIGHT_FUNCTIONS = dedent(`
  /** A weights manifest as TensorFlow.js writes it (model.json holds one too). */
  interface WeightsManifest {
    readonly weightsManifest: readonly {
      readonly paths: readonly string[];
      readonly weights: readonly { readonly name: string; readonly shape: readonly number[]; readonly dtype?: string }[];
    }[];
  }

  /** Write the model's weights as \`weights.json\` (a tfjs weights manifest) and \`weights.bin\`. */
  export function saveWeights(model: tf.LayersModel, directory: string): void {
    const tensors = model.getWeights();
    const values = new Float32Array(tensors.reduce((total, tensor) => total + tensor.size, 0));
    let offset = 0;
    for (const tensor of tensors) {
      values.set(tensor.dataSync(), offset);
      offset += tensor.size;
    }
    const weights = model.weights.map((weight) => ({ name: weight.originalName, shape: weight.shape, dtype: 'float32' }));
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'weights.bin'), new Uint8Array(values.buffer));
    const manifest = { weightsManifest: [{ paths: ['weights.bin'], weights }] };
    writeFileSync(join(directory, 'weights.json'), JSON.stringify(manifest, null, 2));
  }

  /**
   * Load the weights a manifest lists: \`weights.json\` from saveWeights, or the model.json
   * of modelsmith's trained model (its weights come in this model's order and shapes).
   */
  export function loadWeights(model: tf.LayersModel, manifestPath: string): void {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as WeightsManifest;
    const tensors: tf.Tensor[] = [];
    for (const group of manifest.weightsManifest) {
      const bytes = Buffer.concat(group.paths.map((path) => readFileSync(join(dirname(manifestPath), path))));
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      let offset = 0;
      for (const spec of group.weights) {
        if ((spec.dtype ?? 'float32') !== 'float32') throw new Error('weight ' + spec.name + ' is not float32');
        const size = spec.shape.reduce((product, dim) => product * dim, 1);
        tensors.push(tf.tensor(values.subarray(offset, offset + size), [...spec.shape]));
        offset += size;
      }
    }
    try {
      if (tensors.length !== model.weights.length) {
        throw new Error(manifestPath + ' holds ' + tensors.length + ' weights; the model has ' + model.weights.length);
      }
      model.weights.forEach((weight, i) => {
        const shape = tensors[i]?.shape ?? [];
        if (shape.join(',') !== weight.shape.join(',')) {
          const expected = '[' + weight.shape.join(', ') + ']';
          throw new Error(weight.originalName + ': expected ' + expected + ', got [' + shape.join(', ') + ']');
        }
      });
      model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
`);

/** `model.ts`. */
function modelFile(input: CodegenInput, layers: readonly PlannedLayer[], params: number): string {
  const { architecture, model, problem } = input;
  const recurrent = uses(layers, 'recurrent');
  const statements = layers.map((layer) => `${lineComment(`${layer.name}: ${describeLayer(layer)}`, '//', 2, WIDTH)}\n${layerStatement(layer)}`);
  const header = dedent(`
    /**
     * TensorFlow.js model, generated by modelsmith.
     *
     * Model: ${versionTitle(model)}
     *
     * The network modelsmith trained (family ${architecture.family}), layer for layer, with its
     * ${grouped(params)} trainable parameters.
     *
     * Inputs: [batch, ${architecture.inputShape.join(', ')}] float32 tensors${problem.kind === 'image' ? ' (channels last)' : ''}, as preprocessing.ts makes them.
     * Outputs: ${OUTPUT_TEXT[problem.task]}.
     *
     * Run it to print a summary: npx tsx model.ts
     */
    import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
    import { dirname, join } from 'node:path';
    import { pathToFileURL } from 'node:url';
    import * as tf from '@tensorflow/tfjs';
  `);
  const constants = dedent(`
    export const INPUT_SHAPE: readonly number[] = [${architecture.inputShape.map((d) => intLiteral(d, 'input dimension', 1)).join(', ')}];
    export const OUTPUT_UNITS = ${intLiteral(layers[layers.length - 1]?.output[0] ?? 0, 'output units', 1)};
    /** Trainable parameters, as modelsmith counted them. */
    export const PARAMETERS = ${intLiteral(params, 'parameters')};
  `);
  const connect = dedent(`
    /** Apply a layer to one symbolic tensor (or several, for a residual sum). */
    function connect(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
      return layer.apply(input) as tf.SymbolicTensor;
    }
  `);
  const lastStep = layers.some((l) => l.spec.type === 'sequencePool' && l.spec.mode === 'last');
  const helpers = [
    uses(layers, 'positionalEncoding', 'transformerEncoder') || lastStep ? SINGLE_TENSOR : null,
    uses(layers, 'transformerEncoder') || lastStep ? SINGLE_SHAPE : null,
    recurrent ? ORTHOGONAL_INITIALIZER : null,
    recurrent ? RECURRENT_DEFAULTS : null,
    layers.some((l) => l.spec.type === 'recurrent' && l.spec.cell === 'lstm') ? LSTM_FACTORY : null,
    layers.some((l) => l.spec.type === 'recurrent' && l.spec.cell === 'gru') ? GRU_FACTORY : null,
    layers.some((l) => l.spec.type === 'recurrent' && l.spec.bidirectional) ? BIDIRECTIONAL_FACTORY : null,
    uses(layers, 'positionalEncoding') ? POSITIONAL_LAYER : null,
    lastStep ? LAST_STEP_LAYER : null,
    uses(layers, 'transformerEncoder') ? ATTENTION_LAYER : null,
    connect,
    uses(layers, 'transformerEncoder') ? ENCODER_FUNCTION : null,
  ];
  const build = fill(
    dedent(`
      /**
       * A freshly initialized model, one statement per layer (shapes exclude the batch):
       * glorot-uniform kernels and zero biases, as modelsmith initializes them.
       */
      export function buildModel(): tf.LayersModel {
        const input = tf.input({ shape: [...INPUT_SHAPE], name: 'input' });
        let x = input;
        @@LAYERS@@
        return tf.model({ inputs: input, outputs: x, name: ${tsString(snakeName(model.name, 'model'))} });
      }
    `),
    { LAYERS: statements.join('\n') },
  );
  const main = dedent(`
    if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
      const model = buildModel();
      model.summary();
      console.log(JSON.stringify({ parameters: model.countParams(), expected: PARAMETERS }));
    }
  `);
  return sections([header, constants, ...helpers, build, WEIGHT_FUNCTIONS, main]);
}

function tfjsOptimizer(optimizer: string): string {
  switch (optimizer) {
    case 'adam':
      return 'tf.train.adam(LEARNING_RATE)';
    case 'adamax':
      return 'tf.train.adamax(LEARNING_RATE)';
    case 'rmsprop':
      return 'tf.train.rmsprop(LEARNING_RATE)';
    case 'sgd':
      return 'tf.train.sgd(LEARNING_RATE)';
    case 'momentum':
      return 'tf.train.momentum(LEARNING_RATE, 0.9)';
    default:
      throw new RangeError(`unknown optimizer ${optimizer}`);
  }
}

/** `train.ts`. */
function trainFile(input: CodegenInput): string {
  const { model, problem, training } = input;
  const classification = problem.task === 'classification';
  const header = dedent(`
    /**
     * Train the TensorFlow.js model on a CSV file.
     *
     * Model: ${versionTitle(model)}
     *
     * By default it trains as modelsmith refit this version: EPOCHS passes over every row.
     * With --validation-fraction it holds out a share of the rows and stops once the
     * validation loss has not improved for PATIENCE epochs (at most MAX_EPOCHS), keeping the
     * best weights, as modelsmith's cross-validation trained.
     *
     *   npx tsx train.ts --data train.csv --output trained
     */
    import { join } from 'node:path';
    import { pathToFileURL } from 'node:url';
    import { parseArgs } from 'node:util';
    import * as tf from '@tensorflow/tfjs';
    import { buildModel, saveWeights } from './model.js';
    import { DEFAULT_PATH, Preprocessing, Table, type Examples } from './preprocessing.js';
  `);
  const optimizer = dedent(`
    /** ${OPTIMIZER_NOTES[training.optimizer]} */
    function makeOptimizer(): tf.Optimizer {
      return ${tfjsOptimizer(training.optimizer)};
    }
  `);
  const loss = classification
    ? dedent(`
      /** Cross-entropy of the softmax outputs, clipped to [1e-7, 1 - 1e-7] as modelsmith computes it. */
      function lossOf(outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar {
        const oneHot = tf.oneHot(tf.cast(targets, 'int32') as tf.Tensor1D, outputs.shape[1] ?? 1);
        const clipped = tf.clipByValue(outputs, 1e-7, 1 - 1e-7);
        return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1))) as tf.Scalar;
      }
    `)
    : dedent(`
      /** Mean squared error on the standardized target. */
      function lossOf(outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar {
        return tf.mean(tf.square(tf.sub(tf.reshape(outputs, [-1]), targets)));
      }
    `);
  const loop = dedent(`
    /** A small seeded generator (mulberry32) for shuffling. */
    function seededRandom(seed: number): () => number {
      let state = seed >>> 0;
      return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    /** The indices 0..count-1 in a random order. */
    function shuffled(count: number, random: () => number): number[] {
      const order = Array.from({ length: count }, (_, i) => i);
      for (let i = count - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      return order;
    }

    /** The examples at some indices. */
    function subset(data: Examples, indices: readonly number[]): Examples {
      const rowSize = data.x.length / Math.max(1, data.count);
      const x = new Float32Array(indices.length * rowSize);
      const y = new Float32Array(indices.length);
      indices.forEach((index, i) => {
        x.set(data.x.subarray(index * rowSize, (index + 1) * rowSize), i * rowSize);
        y[i] = data.y?.[index] ?? 0;
      });
      const rows = Int32Array.from(indices, (index) => data.rows[index] ?? index);
      return { count: indices.length, x, y, rows, shape: data.shape };
    }

    /** Loss in inference mode (dropout off). */
    function evaluate(model: tf.LayersModel, data: Examples): number {
      return tf.tidy(() => {
        const outputs = model.predict(tf.tensor(data.x, [data.count, ...data.shape])) as tf.Tensor;
        return lossOf(outputs, tf.tensor1d(data.y ?? new Float32Array(data.count))).dataSync()[0] ?? NaN;
      });
    }

    /** Train in place; with validation data, stop early and restore the best weights. */
    export function train(model: tf.LayersModel, data: Examples, epochs: number, seed: number, validation?: Examples) {
      const optimizer = makeOptimizer();
      const random = seededRandom(seed);
      const batchSize = Math.max(1, Math.min(BATCH_SIZE, data.count));
      const trainable = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
      let best = { loss: Infinity, epoch: 0, weights: null as tf.Tensor[] | null };
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const order = shuffled(data.count, random);
        let total = 0;
        for (let start = 0; start < data.count; start += batchSize) {
          const batch = subset(data, order.slice(start, start + batchSize));
          total += tf.tidy(() => {
            const x = tf.tensor(batch.x, [batch.count, ...batch.shape]);
            const y = tf.tensor1d(batch.y ?? new Float32Array(batch.count));
            const batchLoss = () => lossOf(model.apply(x, { training: true }) as tf.Tensor, y);
            const loss = optimizer.minimize(batchLoss, true, trainable);
            return (loss?.dataSync()[0] ?? NaN) * batch.count;
          });
        }
        const loss = total / data.count;
        if (!Number.isFinite(loss)) throw new Error('training diverged in epoch ' + epoch + '; try a lower learning rate');
        const line = 'epoch ' + epoch + '/' + epochs + '  loss ' + loss.toFixed(4);
        if (!validation) {
          console.log(line);
          continue;
        }
        const valLoss = evaluate(model, validation);
        console.log(line + '  val_loss ' + valLoss.toFixed(4));
        if (valLoss < best.loss) {
          tf.dispose(best.weights ?? []);
          best = { loss: valLoss, epoch, weights: model.getWeights().map((weight) => weight.clone()) };
        } else if (epoch - best.epoch >= PATIENCE) {
          console.log('stopping: no lower validation loss since epoch ' + best.epoch);
          break;
        }
      }
      if (best.weights) {
        model.setWeights(best.weights);
        tf.dispose(best.weights);
      }
      optimizer.dispose();
    }
  `);
  const main = dedent(`
    function main(): void {
      const { values } = parseArgs({
        options: {
          data: { type: 'string' },
          output: { type: 'string', default: 'trained' },
          preprocessing: { type: 'string', default: DEFAULT_PATH },
          epochs: { type: 'string' },
          'validation-fraction': { type: 'string', default: '0' },
          seed: { type: 'string', default: String(SEED) },
        },
      });
      if (!values.data) {
        throw new Error('usage: npx tsx train.ts --data train.csv [--output DIR] [--epochs N] [--validation-fraction F]');
      }
      const seed = Number(values.seed);
      const fraction = Number(values['validation-fraction']);
      const preprocessing = Preprocessing.load(values.preprocessing);
      let data = preprocessing.examples(Table.readCsv(values.data), true);
      if (data.count === 0) throw new Error(values.data + ' has no labelled examples');
      let validation: Examples | undefined;
      if (fraction > 0) {
        const order = shuffled(data.count, seededRandom(seed + 1));
        const held = Math.max(1, Math.round(data.count * fraction));
        validation = subset(data, order.slice(0, held));
        data = subset(data, order.slice(held));
      }
      const epochs = values.epochs ? Number(values.epochs) : validation ? MAX_EPOCHS : EPOCHS;

      const model = buildModel();
      console.log(model.countParams() + ' parameters, ' + data.count + ' training examples');
      train(model, data, epochs, seed, validation);
      saveWeights(model, values.output);
      console.log('saved ' + join(values.output, 'weights.json'));
    }

    if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
  `);
  return sections([header, trainingConstants(training, 'typescript'), optimizer, loss, loop, main]);
}

/** `predict.ts`. */
function predictFile(input: CodegenInput): string {
  return `${dedent(`
    /**
     * Predict with the TensorFlow.js model.
     *
     * Model: ${versionTitle(input.model)}
     *
     * With weights trained by train.ts, or with the registered version's own trained model
     * (the model.json two folders up):
     *
     *   npx tsx predict.ts --data new.csv --weights trained/weights.json --output predictions.csv
     *   npx tsx predict.ts --data new.csv --weights ../../model.json
     *
     * Writes one CSV line per example: its data row, the prediction and, for a classifier,
     * each class's probability.
     */
    import { writeFileSync } from 'node:fs';
    import { pathToFileURL } from 'node:url';
    import { parseArgs } from 'node:util';
    import * as tf from '@tensorflow/tfjs';
    import { buildModel, loadWeights } from './model.js';
    import { DEFAULT_PATH, Preprocessing, Table } from './preprocessing.js';

    const BATCH = 512;

    function main(): void {
      const { values } = parseArgs({
        options: {
          data: { type: 'string' },
          weights: { type: 'string' },
          preprocessing: { type: 'string', default: DEFAULT_PATH },
          output: { type: 'string' },
        },
      });
      if (!values.data || !values.weights) {
        throw new Error('usage: npx tsx predict.ts --data new.csv --weights trained/weights.json [--output FILE]');
      }
      const model = buildModel();
      loadWeights(model, values.weights);
      const preprocessing = Preprocessing.load(values.preprocessing);
      const examples = preprocessing.examples(Table.readCsv(values.data), false);
      const rowSize = examples.shape.reduce((product, dim) => product * dim, 1);
      const outputs: number[] = [];
      for (let start = 0; start < examples.count; start += BATCH) {
        const count = Math.min(BATCH, examples.count - start);
        const batch = examples.x.subarray(start * rowSize, (start + count) * rowSize);
        const predicted = tf.tidy(() => model.predict(tf.tensor(batch, [count, ...examples.shape])) as tf.Tensor);
        outputs.push(...predicted.dataSync());
        predicted.dispose();
      }
      const csv = preprocessing.predictionsCsv(examples.rows, Float32Array.from(outputs));
      if (values.output) writeFileSync(values.output, csv);
      else process.stdout.write(csv);
    }

    if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
  `)}\n`;
}

function readme(input: CodegenInput, layers: readonly PlannedLayer[], params: number): string {
  const { model, training } = input;
  return `${fill(
    dedent(`
      # ${versionTitle(model)}: TensorFlow.js (TypeScript)

      Generated by modelsmith from the registered model version: the same TensorFlow.js graph
      modelsmith trained, with its custom layers written out, for Node.js.

      | file | what it is |
      |---|---|
      | \`model.ts\` | the network (\`buildModel()\`), weight loading and saving; \`npx tsx model.ts\` prints a summary |
      | \`preprocessing.ts\` | reads CSV files and applies \`../preprocessing.json\`, the fitted preprocessing |
      | \`train.ts\` | trains with the version's hyperparameters |
      | \`predict.ts\` | writes predictions for a CSV file |

      ## Use

      \`\`\`sh
      npm install
      npx tsx predict.ts --data new.csv --weights ../../model.json   # the version's trained weights
      npx tsx train.ts --data train.csv --output trained              # or train again
      npx tsx predict.ts --data new.csv --weights trained/weights.json --output predictions.csv
      npx tsc --noEmit                                                # type-check
      \`\`\`

      @@TRAINING@@

      ## Layers

      @@LAYERS@@

      ## Differences from modelsmith's own build

      - Dropout is tfjs's own (modelsmith uses a seeded variant); initial weights and
        shuffling are not seeded from the search, so a retrained model matches the original
        in distribution, not bit for bit. The trained weights load exactly.
      - Install \`@tensorflow/tfjs-node\` and import it instead of \`@tensorflow/tfjs\` for
        native speed.
    `),
    { TRAINING: trainingSummary(training, 'train.ts'), LAYERS: layerList(layers, params) },
  )}\n`;
}

function packageJson(input: CodegenInput): string {
  const name = `${snakeName(input.model.name, 'model').replace(/_/g, '-')}-tfjs`;
  const manifest = {
    name,
    version: `${input.model.version}.0.0`,
    private: true,
    type: 'module',
    description: 'TensorFlow.js model generated by modelsmith',
    scripts: { train: 'tsx train.ts', predict: 'tsx predict.ts', summary: 'tsx model.ts', typecheck: 'tsc --noEmit' },
    dependencies: { '@tensorflow/tfjs': TFJS_VERSION },
    devDependencies: { '@types/node': '^20.0.0', tsx: '^4.0.0', typescript: '^5.4.0' },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The strict compiler settings the generated TypeScript is written for. */
export const GENERATED_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noFallthroughCasesInSwitch: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['*.ts'],
} as const;

/** The TensorFlow.js target's files, relative to its folder. */
export function tfjsFiles(input: CodegenInput, params: number): Record<string, string> {
  const layers = planLayers(input.architecture);
  return {
    'README.md': readme(input, layers, params),
    'model.ts': modelFile(input, layers, params),
    'preprocessing.ts': typescriptPreprocessing(),
    'train.ts': trainFile(input),
    'predict.ts': predictFile(input),
    'package.json': packageJson(input),
    'tsconfig.json': `${JSON.stringify(GENERATED_TSCONFIG, null, 2)}\n`,
  };
}
