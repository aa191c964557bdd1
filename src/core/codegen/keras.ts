/**
 * The TensorFlow/Keras target: `model.py` (a functional Keras model, one statement per
 * tfjs layer), `preprocessing.py`, `train.py`, `predict.py`, `requirements.txt` and a
 * README. TensorFlow.js is a port of Keras, so layers, defaults and weight layouts agree;
 * the generator pins the few settings that differ (GRU `reset_after=False`, layer-norm
 * epsilon, optimizer epsilon) and writes the three custom layers as small Keras layers.
 */
import { OPTIMIZER_NOTES, trainingConstants } from './hyperparameters.js';
import type { CodegenInput } from './input.js';
import { activationOption, describeLayer, planLayers, uses, type PlannedLayer } from './layers.js';
import { pythonPreprocessing } from './python-preprocessing.js';
import {
  modelConstants,
  modelDocstring,
  predictArguments,
  predictDocstring,
  pythonReadme,
  READ_TFJS_WEIGHTS,
  trainArguments,
  trainDocstring,
  WRITE_PREDICTIONS,
  type PythonTarget,
} from './python-target.js';
import { callText, dedent, lineComment, fill, intLiteral, numberLiteral, pyString, sections, snakeName } from './text.js';

const KERAS: PythonTarget = { framework: 'Keras', weights: 'model.weights.h5' };

/** The recurrent layer constructor of a spec (without the bidirectional wrapper). */
function recurrentLayer(spec: Extract<PlannedLayer['spec'], { type: 'recurrent' }>, name: string | null, column: number): string {
  const args = [
    intLiteral(spec.units, 'units', 1),
    `return_sequences=${spec.returnSequences ? 'True' : 'False'}`,
    'recurrent_activation="sigmoid"',
    ...(spec.cell === 'gru' ? ['reset_after=False'] : ['unit_forget_bias=True']),
    ...(name ? [`name=${pyString(name)}`] : []),
  ];
  return callText(`layers.${spec.cell === 'lstm' ? 'LSTM' : 'GRU'}`, args, column);
}

/** The statement(s) adding one planned layer inside `build_model`. */
function layerStatement(layer: PlannedLayer, source: string): string {
  const { spec } = layer;
  const name = `name=${pyString(layer.name)}`;
  // Statements sit at indentation 4 after `x = ` and before `(source)`.
  const apply = (constructor: string, args: string[]): string => `x = ${callText(constructor, args, 10 + source.length)}(${source})`;
  switch (spec.type) {
    case 'dense':
      return apply('layers.Dense', [intLiteral(spec.units, 'units', 1), ...activationOption(spec.activation, 'python'), name]);
    case 'dropout':
      return apply('layers.Dropout', [numberLiteral(spec.rate, 'dropout rate'), name]);
    case 'flatten':
      return apply('layers.Flatten', [name]);
    case 'conv2d':
      return apply('layers.Conv2D', [
        intLiteral(spec.filters, 'filters', 1),
        intLiteral(spec.kernel, 'kernel', 1),
        'padding="same"',
        ...activationOption(spec.activation, 'python'),
        name,
      ]);
    case 'pool2d':
      return apply(spec.mode === 'max' ? 'layers.MaxPooling2D' : 'layers.AveragePooling2D', ['pool_size=2', 'strides=2', name]);
    case 'recurrent':
      if (!spec.bidirectional) return `x = ${recurrentLayer(spec, layer.name, 10 + source.length)}(${source})`;
      return apply('layers.Bidirectional', [recurrentLayer(spec, null, 9), 'merge_mode="concat"', `name=${pyString(`bidirectional_${layer.name}`)}`]);
    case 'positionalEncoding':
      return apply('PositionalEncoding', [name]);
    case 'transformerEncoder':
      return `x = ${callText(
        'transformer_encoder',
        [
          source,
          `heads=${intLiteral(spec.heads, 'heads', 1)}`,
          `head_dim=${intLiteral(spec.headDim, 'headDim', 1)}`,
          `ff_dim=${intLiteral(spec.ffDim, 'ffDim', 1)}`,
          `dropout=${numberLiteral(spec.dropout, 'dropout')}`,
          name,
        ],
        8,
      )}`;
    case 'sequencePool':
      return apply(spec.mode === 'mean' ? 'layers.GlobalAveragePooling1D' : 'LastStep', [name]);
  }
}

const POSITIONAL_LAYER = dedent(`
  @keras.utils.register_keras_serializable(package="modelsmith")
  class PositionalEncoding(layers.Layer):
      """Adds fixed sinusoidal position encodings to a [batch, steps, width] input: feature
      2i of step p gets sin(p / 10000^(2i / width)), feature 2i + 1 the cosine."""

      def build(self, input_shape):
          steps, width = input_shape[1], input_shape[2]
          positions = np.arange(steps, dtype=np.float64)[:, None]
          features = np.arange(width)
          angles = positions / np.power(10000.0, (features - features % 2) / width)
          self.table = np.where(features % 2 == 0, np.sin(angles), np.cos(angles)).astype("float32")

      def call(self, inputs):
          return inputs + self.table
`);

const LAST_STEP_LAYER = dedent(`
  @keras.utils.register_keras_serializable(package="modelsmith")
  class LastStep(layers.Layer):
      """[batch, steps, width] -> [batch, width]: keeps the last step."""

      def call(self, inputs):
          return inputs[:, -1, :]
`);

const ENCODER_FUNCTION = dedent(`
  def transformer_encoder(x, heads, head_dim, ff_dim, dropout, name):
      """Post-norm encoder block: x + dropout(attention(x)), layer norm; then
      x + dropout(dense(relu(dense(x)))), layer norm.

      Keras's MultiHeadAttention has the parameters of modelsmith's attention layer: query,
      key and value projections to heads x head_dim and an output projection back to the
      width, all with biases. Layer norms use epsilon 1e-3 (Keras's and tfjs's default).
      """
      width = x.shape[-1]
      attention = layers.MultiHeadAttention(heads, head_dim, name=f"{name}_attention")
      update = attention(x, x)
      if dropout > 0:
          update = layers.Dropout(dropout, name=f"{name}_attention_dropout")(update)
      x = layers.Add(name=f"{name}_attention_add")([x, update])
      x = layers.LayerNormalization(epsilon=1e-3, name=f"{name}_attention_norm")(x)
      hidden = layers.Dense(ff_dim, activation="relu", name=f"{name}_ff_hidden")(x)
      update = layers.Dense(width, name=f"{name}_ff_output")(hidden)
      if dropout > 0:
          update = layers.Dropout(dropout, name=f"{name}_ff_dropout")(update)
      x = layers.Add(name=f"{name}_ff_add")([x, update])
      return layers.LayerNormalization(epsilon=1e-3, name=f"{name}_ff_norm")(x)
`);

const LOAD_TFJS_WEIGHTS = dedent(`
  def load_tfjs_weights(model, path):
      """Copy the weights of modelsmith's TensorFlow.js model (its model.json) into this model.

      Keras and TensorFlow.js list the weights in the same order with the same layouts;
      only the attention projections are shaped differently ([width, heads * head_dim] in
      tfjs, [width, heads, head_dim] in Keras) and are reshaped. Sizes are checked one by one.
      """
      arrays = read_tfjs_weights(path)
      variables = model.trainable_weights
      if len(arrays) != len(variables):
          raise ValueError(f"{path} holds {len(arrays)} weights; this model has {len(variables)}")
      for array, variable in zip(arrays, variables):
          shape = tuple(variable.shape)
          if array.size != int(np.prod(shape)):
              raise ValueError(f"{variable.name}: expected {shape}, got {array.shape}")
          variable.assign(array.reshape(shape))
`);

/** `model.py`. */
function modelFile(input: CodegenInput, layers: readonly PlannedLayer[], params: number): string {
  const statements = layers.map((layer, i) => {
    const comment = lineComment(`${layer.name}: ${describeLayer(layer)}`, '#', 4, 100);
    return `${comment}\n${layerStatement(layer, i === 0 ? 'inputs' : 'x')}`;
  });
  const header = fill(
    dedent(`
      @@DOCSTRING@@
      import json
      from pathlib import Path

      import keras
      import numpy as np
      from keras import layers
    `),
    { DOCSTRING: modelDocstring(input, params, KERAS, 'arrays', 'Written for TensorFlow 2.16+ (Keras 3). Run it to print a summary: python model.py') },
  );
  const helpers = [
    uses(layers, 'positionalEncoding') ? POSITIONAL_LAYER : null,
    layers.some((l) => l.spec.type === 'sequencePool' && l.spec.mode === 'last') ? LAST_STEP_LAYER : null,
    uses(layers, 'transformerEncoder') ? ENCODER_FUNCTION : null,
  ];
  const build = fill(
    dedent(`
      def build_model():
          """The network, one statement per TensorFlow.js layer (shapes exclude the batch)."""
          inputs = keras.Input(shape=INPUT_SHAPE, name="input")
          @@LAYERS@@
          return keras.Model(inputs, x, name=${pyString(snakeName(input.model.name, 'model'))})
    `),
    { LAYERS: statements.join('\n') },
  );
  const main = dedent(`
    if __name__ == "__main__":
        model = build_model()
        model.summary()
        print(json.dumps({"parameters": model.count_params(), "expected": PARAMETERS}))
  `);
  return sections([sections([header, modelConstants(input, layers, params)]).trimEnd(), ...helpers, build, READ_TFJS_WEIGHTS, LOAD_TFJS_WEIGHTS, main], 2);
}

function kerasOptimizer(optimizer: string): string {
  const lr = 'LEARNING_RATE';
  switch (optimizer) {
    case 'adam':
      return `keras.optimizers.Adam(${lr}, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`;
    case 'adamax':
      return `keras.optimizers.Adamax(${lr}, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`;
    case 'rmsprop':
      return `keras.optimizers.RMSprop(${lr}, rho=0.9, momentum=0.0, epsilon=1e-7)`;
    case 'sgd':
      return `keras.optimizers.SGD(${lr})`;
    case 'momentum':
      return `keras.optimizers.SGD(${lr}, momentum=0.9)`;
    default:
      throw new RangeError(`unknown optimizer ${optimizer}`);
  }
}

/** `train.py`. */
function trainFile(input: CodegenInput): string {
  const { problem, training } = input;
  const classification = problem.task === 'classification';
  const header = fill(
    dedent(`
      @@DOCSTRING@@
      import argparse
      from pathlib import Path

      import keras
      import numpy as np

      from model import build_model
      from preprocessing import DEFAULT_PATH, Preprocessing, Table
    `),
    { DOCSTRING: trainDocstring(KERAS, input.model) },
  );
  const optimizer = dedent(`
    def make_optimizer():
        """${OPTIMIZER_NOTES[training.optimizer]}"""
        return ${kerasOptimizer(training.optimizer)}
  `);
  const loss = classification
    ? dedent(`
      def make_loss():
          """Cross-entropy of the softmax outputs (clipped to [1e-7, 1 - 1e-7], as in modelsmith)."""
          return keras.losses.SparseCategoricalCrossentropy()
    `)
    : dedent(`
      def make_loss():
          """Mean squared error on the standardized target."""
          return keras.losses.MeanSquaredError()
    `);
  const targets = classification ? 'examples.y.astype("int64")' : 'examples.y.astype("float32").reshape(-1, 1)';
  const main = fill(
    dedent(`
      def main():
          @@ARGUMENTS@@

          keras.utils.set_random_seed(args.seed)
          preprocessing = Preprocessing.load(args.preprocessing)
          examples = preprocessing.examples(Table.read_csv(args.data), labelled=True)
          if len(examples) == 0:
              raise SystemExit(f"{args.data} has no labelled examples")
          x, y = examples.x, ${targets}
          validation = None
          if args.validation_fraction > 0:
              order = np.random.default_rng(args.seed).permutation(len(x))
              held = max(1, round(len(x) * args.validation_fraction))
              validation = (x[order[:held]], y[order[:held]])
              x, y = x[order[held:]], y[order[held:]]
          epochs = args.epochs or (MAX_EPOCHS if validation is not None else EPOCHS)

          model = build_model()
          model.compile(optimizer=make_optimizer(), loss=make_loss())
          callbacks = []
          if validation is not None:
              stopping = keras.callbacks.EarlyStopping(
                  monitor="val_loss", patience=PATIENCE, restore_best_weights=True
              )
              callbacks.append(stopping)
          model.fit(
              x,
              y,
              batch_size=max(1, min(BATCH_SIZE, len(x))),
              epochs=epochs,
              shuffle=True,
              validation_data=validation,
              callbacks=callbacks,
              verbose=2,
          )
          output = Path(args.output)
          output.mkdir(parents=True, exist_ok=True)
          model.save_weights(str(output / "${KERAS.weights}"))
          print(f"saved {output / '${KERAS.weights}'}")


      if __name__ == "__main__":
          main()
    `),
    { ARGUMENTS: trainArguments(KERAS) },
  );
  return sections([sections([header, trainingConstants(training, 'python')]).trimEnd(), optimizer, loss, main], 2);
}

/** `predict.py`. */
function predictFile(input: CodegenInput): string {
  return `${fill(
    dedent(`
      @@DOCSTRING@@
      import argparse
      import sys

      import numpy as np

      from model import OUTPUT_UNITS, build_model, load_tfjs_weights
      from preprocessing import DEFAULT_PATH, Preprocessing, Table


      def main():
          @@ARGUMENTS@@

          model = build_model()
          if args.tfjs_model:
              load_tfjs_weights(model, args.tfjs_model)
          else:
              model.load_weights(args.weights)

          preprocessing = Preprocessing.load(args.preprocessing)
          examples = preprocessing.examples(Table.read_csv(args.data), labelled=False)
          if len(examples) > 0:
              outputs = np.asarray(model.predict(examples.x, batch_size=512, verbose=0))
          else:
              outputs = np.zeros((0, OUTPUT_UNITS), dtype=np.float32)

          @@WRITE@@


      if __name__ == "__main__":
          main()
    `),
    { DOCSTRING: predictDocstring(KERAS, input.model), ARGUMENTS: predictArguments(KERAS), WRITE: WRITE_PREDICTIONS },
  )}\n`;
}

function readme(input: CodegenInput, layers: readonly PlannedLayer[], params: number): string {
  return pythonReadme(input, layers, params, KERAS, {
    heading: 'TensorFlow / Keras',
    intro: dedent(`
      Generated by modelsmith from the registered model version. The network is the one
      modelsmith trained with TensorFlow.js, layer for layer; Keras and TensorFlow.js share
      layer definitions and weight layouts, so the version's trained weights load directly.
    `),
    prints: 'a summary',
    differences: differences(layers),
  });
}

/** The README's notes on where the Keras model differs from tfjs, for the layers it has. */
function differences(layers: readonly PlannedLayer[]): string {
  const notes = [
    layers.some((l) => l.spec.type === 'recurrent' && l.spec.cell === 'gru')
      ? dedent(`
          - GRU layers set \`reset_after=False\`: TensorFlow.js applies the reset gate before the
            recurrent product and keeps one bias vector; Keras's default does neither.
        `)
      : null,
    uses(layers, 'transformerEncoder')
      ? dedent(`
          - Attention uses Keras's \`MultiHeadAttention\`, which has the same projections and
            parameter count as modelsmith's layer; its kernels are shaped [width, heads, head_dim]
            instead of [width, heads * head_dim], and \`load_tfjs_weights\` reshapes them.
        `)
      : null,
    dedent(`
      - Dropout masks and initial weights come from Keras's generators, so a retrained model
        matches the original in distribution, not bit for bit.
    `),
  ];
  return notes.filter((note): note is string => note !== null).join('\n');
}

/** The Keras target's files, relative to its folder. */
export function kerasFiles(input: CodegenInput, params: number): Record<string, string> {
  const layers = planLayers(input.architecture);
  return {
    'README.md': readme(input, layers, params),
    'model.py': modelFile(input, layers, params),
    'preprocessing.py': pythonPreprocessing(),
    'train.py': trainFile(input),
    'predict.py': predictFile(input),
    'requirements.txt': 'numpy>=1.21\ntensorflow>=2.16\n',
  };
}
