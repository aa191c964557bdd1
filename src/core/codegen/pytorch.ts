/**
 * The PyTorch target: `model.py` (the network as an `nn.Sequential` of plain modules,
 * with custom LSTM and GRU layers shaped like Keras's so the parameter count equals the
 * tfjs model's), `preprocessing.py`, `train.py`, `predict.py`, `requirements.txt` and a
 * README. PyTorch's own nn.LSTM and nn.GRU carry a second bias vector per gate and nn.GRU
 * applies the reset gate after the recurrent product; modelsmith's cells do neither.
 */
import type { Shape } from '../models/shapes.js';
import type { Activation } from '../models/types.js';
import type { CodegenInput } from './input.js';
import { describeLayer, planLayers, uses, type PlannedLayer } from './layers.js';
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
import { OPTIMIZER_NOTES, trainingConstants } from './hyperparameters.js';
import { callText, className, dedent, fill, lineComment, intLiteral, numberLiteral, sections } from './text.js';

const PYTORCH: PythonTarget = { framework: 'PyTorch', weights: 'model.pt' };

/** The activation as a module, or null for linear. */
function activationModule(activation: Activation): string | null {
  const modules: Record<Activation, string | null> = {
    relu: 'nn.ReLU()',
    elu: 'nn.ELU()',
    selu: 'nn.SELU()',
    tanh: 'nn.Tanh()',
    sigmoid: 'nn.Sigmoid()',
    swish: 'nn.SiLU()',
    linear: null,
    softmax: 'nn.Softmax(dim=-1)',
  };
  const module = modules[activation];
  if (module === undefined) throw new RangeError(`unknown activation ${String(activation)}`);
  return module;
}

/** One element of the model's nn.Sequential: the module expressions after a comment. */
interface Entry {
  readonly comment: string;
  readonly modules: readonly string[];
}

const width = (shape: Shape): string => intLiteral(shape[shape.length - 1] as number, 'width', 1);

/** The recurrent module of a spec reading `input`, wrapped when bidirectional. */
function recurrentModule(spec: Extract<PlannedLayer['spec'], { type: 'recurrent' }>, input: Shape): string {
  const cell = spec.cell === 'lstm' ? 'LSTMLayer' : 'GRULayer';
  const args = [width(input), intLiteral(spec.units, 'units', 1), `return_sequences=${spec.returnSequences ? 'True' : 'False'}`];
  // Modules sit at indentation 12 in nn.Sequential, each followed by a comma.
  if (!spec.bidirectional) return callText(cell, args, 13);
  const one = callText(cell, args, 17);
  return callText('Bidirectional', [one, one], 13);
}

/** The nn.Sequential entries of the planned layers, with channel-layout moves around convolutions. */
function entriesOf(layers: readonly PlannedLayer[]): Entry[] {
  const entries: Entry[] = [];
  let channelsFirst = false;
  for (const layer of layers) {
    const { spec } = layer;
    const needsChannelsFirst = spec.type === 'conv2d' || spec.type === 'pool2d';
    if (needsChannelsFirst !== channelsFirst) {
      entries.push(
        needsChannelsFirst
          ? { comment: 'channels last -> channels first, as nn.Conv2d reads images', modules: ['ChannelsFirst()'] }
          : { comment: 'back to channels last, so features flatten in the tfjs order', modules: ['ChannelsLast()'] },
      );
      channelsFirst = needsChannelsFirst;
    }
    const comment = `${layer.name}: ${describeLayer(layer)}`;
    const withActivation = (module: string, activation: Activation): string[] => [module, ...[activationModule(activation)].filter((m): m is string => m !== null)];
    switch (spec.type) {
      case 'dense':
        entries.push({ comment, modules: withActivation(`nn.Linear(${width(layer.input)}, ${intLiteral(spec.units, 'units', 1)})`, spec.activation) });
        break;
      case 'dropout':
        entries.push({ comment, modules: [`nn.Dropout(${numberLiteral(spec.rate, 'dropout rate')})`] });
        break;
      case 'flatten':
        entries.push({ comment, modules: ['nn.Flatten()'] });
        break;
      case 'conv2d': {
        const args = [width(layer.input), intLiteral(spec.filters, 'filters', 1), `kernel_size=${intLiteral(spec.kernel, 'kernel', 1)}`, 'padding="same"'];
        entries.push({ comment, modules: withActivation(`nn.Conv2d(${args.join(', ')})`, spec.activation) });
        break;
      }
      case 'pool2d':
        entries.push({ comment, modules: [`nn.${spec.mode === 'max' ? 'MaxPool2d' : 'AvgPool2d'}(kernel_size=2, stride=2)`] });
        break;
      case 'recurrent':
        entries.push({ comment, modules: [recurrentModule(spec, layer.input)] });
        break;
      case 'positionalEncoding':
        entries.push({ comment, modules: ['PositionalEncoding()'] });
        break;
      case 'transformerEncoder': {
        const args = [
          width(layer.input),
          `heads=${intLiteral(spec.heads, 'heads', 1)}`,
          `head_dim=${intLiteral(spec.headDim, 'headDim', 1)}`,
          `ff_dim=${intLiteral(spec.ffDim, 'ffDim', 1)}`,
          `dropout=${numberLiteral(spec.dropout, 'dropout')}`,
        ];
        entries.push({ comment, modules: [callText('TransformerEncoderBlock', args, 13)] });
        break;
      }
      case 'sequencePool':
        entries.push({ comment, modules: [spec.mode === 'mean' ? 'MeanOverSteps()' : 'LastStep()'] });
        break;
    }
  }
  return entries;
}

const CHANNEL_MODULES = dedent(`
  class ChannelsFirst(nn.Module):
      """[batch, height, width, channels] -> [batch, channels, height, width]."""

      def forward(self, x):
          return x.permute(0, 3, 1, 2)


  class ChannelsLast(nn.Module):
      """[batch, channels, height, width] -> [batch, height, width, channels]."""

      def forward(self, x):
          return x.permute(0, 2, 3, 1)
`);

const RECURRENT_MODULES = dedent(`
  class LSTMLayer(nn.Module):
      """An LSTM layer as Keras and TensorFlow.js define it.

      Weights are stored in their layout: kernel [inputs, 4 * units], recurrent_kernel
      [units, 4 * units] and ONE bias [4 * units] (nn.LSTM has two), gates ordered input,
      forget, cell, output; sigmoid gates and tanh activations. Returns every step's output
      [batch, steps, units] or the last one [batch, units].
      """

      def __init__(self, input_size, units, return_sequences):
          super().__init__()
          self.units = units
          self.return_sequences = return_sequences
          self.kernel = nn.Parameter(torch.empty(input_size, 4 * units))
          self.recurrent_kernel = nn.Parameter(torch.empty(units, 4 * units))
          self.bias = nn.Parameter(torch.empty(4 * units))
          self.reset_parameters()

      def reset_parameters(self):
          nn.init.xavier_uniform_(self.kernel)
          nn.init.orthogonal_(self.recurrent_kernel)
          with torch.no_grad():
              self.bias.zero_()
              self.bias[self.units : 2 * self.units] = 1.0  # the forget gate starts open

      def forward(self, x):
          batch, steps, _ = x.shape
          h = x.new_zeros(batch, self.units)
          c = x.new_zeros(batch, self.units)
          inputs = x @ self.kernel + self.bias
          outputs = []
          for t in range(steps):
              gates = inputs[:, t] + h @ self.recurrent_kernel
              i, f, g, o = gates.chunk(4, dim=-1)
              c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
              h = torch.sigmoid(o) * torch.tanh(c)
              outputs.append(h)
          return torch.stack(outputs, dim=1) if self.return_sequences else h


  class GRULayer(nn.Module):
      """A GRU layer as TensorFlow.js defines it (Keras's reset_after=False).

      The reset gate applies to the state BEFORE the recurrent product of the candidate,
      and there is ONE bias [3 * units] (nn.GRU applies it after, with two biases). Weights:
      kernel [inputs, 3 * units], recurrent_kernel [units, 3 * units], gates ordered
      update, reset, candidate.
      """

      def __init__(self, input_size, units, return_sequences):
          super().__init__()
          self.units = units
          self.return_sequences = return_sequences
          self.kernel = nn.Parameter(torch.empty(input_size, 3 * units))
          self.recurrent_kernel = nn.Parameter(torch.empty(units, 3 * units))
          self.bias = nn.Parameter(torch.empty(3 * units))
          self.reset_parameters()

      def reset_parameters(self):
          nn.init.xavier_uniform_(self.kernel)
          nn.init.orthogonal_(self.recurrent_kernel)
          nn.init.zeros_(self.bias)

      def forward(self, x):
          batch, steps, _ = x.shape
          gates_kernel = self.recurrent_kernel[:, : 2 * self.units]
          candidate_kernel = self.recurrent_kernel[:, 2 * self.units :]
          h = x.new_zeros(batch, self.units)
          inputs = x @ self.kernel + self.bias
          outputs = []
          for t in range(steps):
              x_z, x_r, x_h = inputs[:, t].chunk(3, dim=-1)
              h_z, h_r = (h @ gates_kernel).chunk(2, dim=-1)
              z = torch.sigmoid(x_z + h_z)
              r = torch.sigmoid(x_r + h_r)
              candidate = torch.tanh(x_h + (r * h) @ candidate_kernel)
              h = z * h + (1 - z) * candidate
              outputs.append(h)
          return torch.stack(outputs, dim=1) if self.return_sequences else h
`);

const BIDIRECTIONAL_MODULE = dedent(`
  class Bidirectional(nn.Module):
      """Reads the sequence forward with one layer and backward with another, and
      concatenates their outputs (backward outputs put back in time order)."""

      def __init__(self, forward_layer, backward_layer):
          super().__init__()
          self.forward_layer = forward_layer
          self.backward_layer = backward_layer

      def forward(self, x):
          forward = self.forward_layer(x)
          backward = self.backward_layer(torch.flip(x, dims=[1]))
          if self.backward_layer.return_sequences:
              backward = torch.flip(backward, dims=[1])
          return torch.cat([forward, backward], dim=-1)
`);

const POSITIONAL_MODULE = dedent(`
  class PositionalEncoding(nn.Module):
      """Adds fixed sinusoidal position encodings to a [batch, steps, width] input: feature
      2i of step p gets sin(p / 10000^(2i / width)), feature 2i + 1 the cosine."""

      def forward(self, x):
          steps, width = x.shape[1], x.shape[2]
          positions = torch.arange(steps, dtype=torch.float64).unsqueeze(1)
          features = torch.arange(width)
          pairs = (features - features % 2).to(torch.float64)
          angles = positions / torch.pow(10000.0, pairs / width)
          table = torch.where(features % 2 == 0, torch.sin(angles), torch.cos(angles))
          return x + table.to(x.dtype)
`);

const ENCODER_MODULES = dedent(`
  class MultiHeadSelfAttention(nn.Module):
      """Scaled dot-product self-attention over all steps, with query, key, value and
      output projections (each with a bias)."""

      def __init__(self, width, heads, head_dim):
          super().__init__()
          self.heads = heads
          self.head_dim = head_dim
          self.query = nn.Linear(width, heads * head_dim)
          self.key = nn.Linear(width, heads * head_dim)
          self.value = nn.Linear(width, heads * head_dim)
          self.output = nn.Linear(heads * head_dim, width)

      def forward(self, x):
          batch, steps, _ = x.shape

          def split_heads(t):  # [batch, steps, heads * head_dim] -> [batch, heads, steps, head_dim]
              return t.reshape(batch, steps, self.heads, self.head_dim).transpose(1, 2)

          query = split_heads(self.query(x)) / math.sqrt(self.head_dim)
          key = split_heads(self.key(x))
          value = split_heads(self.value(x))
          weights = torch.softmax(query @ key.transpose(-2, -1), dim=-1)
          context = (weights @ value).transpose(1, 2)
          return self.output(context.reshape(batch, steps, self.heads * self.head_dim))


  class TransformerEncoderBlock(nn.Module):
      """Post-norm encoder block: x + dropout(attention(x)), layer norm; then
      x + dropout(linear(relu(linear(x)))), layer norm. Layer norms use epsilon 1e-3, as
      Keras and TensorFlow.js do."""

      def __init__(self, width, heads, head_dim, ff_dim, dropout):
          super().__init__()
          self.attention = MultiHeadSelfAttention(width, heads, head_dim)
          self.attention_dropout = nn.Dropout(dropout)
          self.attention_norm = nn.LayerNorm(width, eps=1e-3)
          self.ff_hidden = nn.Linear(width, ff_dim)
          self.ff_output = nn.Linear(ff_dim, width)
          self.ff_dropout = nn.Dropout(dropout)
          self.ff_norm = nn.LayerNorm(width, eps=1e-3)

      def forward(self, x):
          x = self.attention_norm(x + self.attention_dropout(self.attention(x)))
          update = self.ff_output(torch.relu(self.ff_hidden(x)))
          return self.ff_norm(x + self.ff_dropout(update))
`);

const MEAN_MODULE = dedent(`
  class MeanOverSteps(nn.Module):
      """[batch, steps, width] -> [batch, width]: the mean over steps."""

      def forward(self, x):
          return x.mean(dim=1)
`);

const LAST_MODULE = dedent(`
  class LastStep(nn.Module):
      """[batch, steps, width] -> [batch, width]: the last step."""

      def forward(self, x):
          return x[:, -1, :]
`);

const PARAMETER_FUNCTIONS = dedent(`
  def initialize(model):
      """Glorot-uniform kernels and zero biases, as modelsmith initializes its layers (the
      recurrent layers initialize themselves; layer norms start at scale 1, shift 0)."""
      for module in model.modules():
          if isinstance(module, (nn.Linear, nn.Conv2d)):
              nn.init.xavier_uniform_(module.weight)
              nn.init.zeros_(module.bias)


  def count_parameters(model):
      """Trainable parameters (TensorFlow.js's countParams())."""
      return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
`);

const LOAD_TFJS_WEIGHTS = dedent(`
  def load_tfjs_weights(model, path):
      """Copy the weights of modelsmith's TensorFlow.js model (its model.json) into this model.

      Both list their weights in the same order. TensorFlow.js stores dense kernels
      [inputs, outputs] and convolution kernels [height, width, in, out]; they are transposed
      into PyTorch's [outputs, inputs] and [out, in, height, width]. Everything else
      (recurrent weights, biases, layer-norm scales) has the same layout in both.
      """
      arrays = read_tfjs_weights(path)
      targets = [
          (module, name, parameter)
          for module in model.modules()
          for name, parameter in module.named_parameters(recurse=False)
      ]
      if len(arrays) != len(targets):
          raise ValueError(f"{path} holds {len(arrays)} weights; this model has {len(targets)}")
      with torch.no_grad():
          for array, (module, name, parameter) in zip(arrays, targets):
              if isinstance(module, nn.Linear) and name == "weight":
                  array = array.T
              elif isinstance(module, nn.Conv2d) and name == "weight":
                  array = array.transpose(3, 2, 0, 1)
              if tuple(array.shape) != tuple(parameter.shape):
                  where = f"{type(module).__name__}.{name}"
                  raise ValueError(f"{where}: expected {tuple(parameter.shape)}, got {array.shape}")
              parameter.copy_(torch.from_numpy(np.ascontiguousarray(array)))
`);

/** `model.py`. */
function modelFile(input: CodegenInput, layers: readonly PlannedLayer[], params: number): string {
  const { architecture, model } = input;
  const cls = className(model.name);
  const body = entriesOf(layers)
    .map((entry) => [lineComment(entry.comment, '#', 12, 100), ...entry.modules.map((module) => `${module},`)].join('\n'))
    .join('\n');
  const needsMath = uses(layers, 'transformerEncoder');
  const header = modelDocstring(input, params, PYTORCH, 'tensors', 'Run it to print the parameter count: python model.py');
  const imports = [
    'import json',
    ...(needsMath ? ['import math'] : []),
    'from pathlib import Path',
    '',
    'import numpy as np',
    'import torch',
    'from torch import nn',
  ].join('\n');
  const constants = modelConstants(input, layers, params);
  const helpers = [
    uses(layers, 'conv2d', 'pool2d') ? CHANNEL_MODULES : null,
    uses(layers, 'recurrent') ? RECURRENT_MODULES : null,
    layers.some((l) => l.spec.type === 'recurrent' && l.spec.bidirectional) ? BIDIRECTIONAL_MODULE : null,
    uses(layers, 'positionalEncoding') ? POSITIONAL_MODULE : null,
    uses(layers, 'transformerEncoder') ? ENCODER_MODULES : null,
    layers.some((l) => l.spec.type === 'sequencePool' && l.spec.mode === 'mean') ? MEAN_MODULE : null,
    layers.some((l) => l.spec.type === 'sequencePool' && l.spec.mode === 'last') ? LAST_MODULE : null,
  ];
  const modelClass = fill(
    dedent(`
    class ${cls}(nn.Module):
        """The ${architecture.family} network, one module per tfjs layer (shapes exclude the batch)."""

        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(
                @@BODY@@
            )
            initialize(self)

        def forward(self, x):
            return self.layers(x)
  `),
    { BODY: body },
  );
  const build = dedent(`
    def build_model():
        """A freshly initialized model."""
        return ${cls}()
  `);
  const main = dedent(`
    if __name__ == "__main__":
        model = build_model()
        print(model)
        print(json.dumps({"parameters": count_parameters(model), "expected": PARAMETERS}))
  `);
  return sections([sections([header, imports, constants]).trimEnd(), ...helpers, PARAMETER_FUNCTIONS, READ_TFJS_WEIGHTS, LOAD_TFJS_WEIGHTS, modelClass, build, main], 2);
}

/** `train.py`. */
function trainFile(input: CodegenInput): string {
  const { problem, training } = input;
  const classification = problem.task === 'classification';
  const header = fill(
    dedent(`
      @@DOCSTRING@@
      import argparse
      import math
      from pathlib import Path

      import torch

      from model import build_model, count_parameters
      from preprocessing import DEFAULT_PATH, Preprocessing, Table
    `),
    { DOCSTRING: trainDocstring(PYTORCH, input.model) },
  );
  const optimizer = dedent(`
    def make_optimizer(parameters):
        """${OPTIMIZER_NOTES[training.optimizer]}"""
        return ${pytorchOptimizer(training.optimizer)}
  `);
  const loss = classification
    ? dedent(`
      def loss_of(outputs, targets):
          """Cross-entropy of the softmax outputs, clipped to [1e-7, 1 - 1e-7] as in modelsmith."""
          chosen = outputs.gather(1, targets.long().unsqueeze(1)).squeeze(1)
          return -torch.log(chosen.clamp(1e-7, 1 - 1e-7)).mean()
    `)
    : dedent(`
      def loss_of(outputs, targets):
          """Mean squared error on the standardized target."""
          return ((outputs[:, 0] - targets) ** 2).mean()
    `);
  const loop = dedent(`
    def run_epoch(model, optimizer, x, y, generator):
        """One pass over shuffled mini-batches; returns the mean training loss."""
        model.train()
        order = torch.randperm(len(x), generator=generator)
        batch_size = max(1, min(BATCH_SIZE, len(x)))
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_of(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        return total / len(x)


    def evaluate(model, x, y):
        """Loss in inference mode (dropout off)."""
        model.eval()
        with torch.no_grad():
            return loss_of(model(x), y).item()


    def train(model, x, y, epochs, seed, validation=None):
        """Train in place; with validation data, stop early and restore the best weights."""
        generator = torch.Generator().manual_seed(seed)
        optimizer = make_optimizer(model.parameters())
        best_loss, best_epoch, best_state = math.inf, 0, None
        for epoch in range(1, epochs + 1):
            loss = run_epoch(model, optimizer, x, y, generator)
            if not math.isfinite(loss):
                raise RuntimeError(f"training diverged in epoch {epoch}; try a lower learning rate")
            line = f"epoch {epoch}/{epochs}  loss {loss:.4f}"
            if validation is None:
                print(line)
                continue
            val_loss = evaluate(model, *validation)
            print(f"{line}  val_loss {val_loss:.4f}")
            if val_loss < best_loss:
                best_loss, best_epoch = val_loss, epoch
                best_state = {key: value.clone() for key, value in model.state_dict().items()}
            elif epoch - best_epoch >= PATIENCE:
                print(f"stopping: no lower validation loss since epoch {best_epoch}")
                break
        if best_state is not None:
            model.load_state_dict(best_state)
  `);
  const main = fill(
    dedent(`
      def main():
          @@ARGUMENTS@@

          torch.manual_seed(args.seed)
          preprocessing = Preprocessing.load(args.preprocessing)
          examples = preprocessing.examples(Table.read_csv(args.data), labelled=True)
          if len(examples) == 0:
              raise SystemExit(f"{args.data} has no labelled examples")
          x = torch.from_numpy(examples.x)
          y = torch.from_numpy(examples.y).float()
          validation = None
          if args.validation_fraction > 0:
              order = torch.randperm(len(x), generator=torch.Generator().manual_seed(args.seed))
              held = max(1, round(len(x) * args.validation_fraction))
              validation = (x[order[:held]], y[order[:held]])
              x, y = x[order[held:]], y[order[held:]]
          epochs = args.epochs or (MAX_EPOCHS if validation is not None else EPOCHS)

          model = build_model()
          print(f"{count_parameters(model)} parameters, {len(x)} training examples")
          train(model, x, y, epochs, args.seed, validation)
          output = Path(args.output)
          output.mkdir(parents=True, exist_ok=True)
          torch.save(model.state_dict(), output / "${PYTORCH.weights}")
          print(f"saved {output / '${PYTORCH.weights}'}")


      if __name__ == "__main__":
          main()
    `),
    { ARGUMENTS: trainArguments(PYTORCH) },
  );
  return sections([sections([header, trainingConstants(training, 'python')]).trimEnd(), optimizer, loss, loop, main], 2);
}

function pytorchOptimizer(optimizer: string): string {
  const lr = 'lr=LEARNING_RATE';
  switch (optimizer) {
    case 'adam':
      return `torch.optim.Adam(parameters, ${lr}, betas=(0.9, 0.999), eps=1e-7)`;
    case 'adamax':
      return `torch.optim.Adamax(parameters, ${lr}, betas=(0.9, 0.999), eps=1e-7)`;
    case 'rmsprop':
      return `torch.optim.RMSprop(parameters, ${lr}, alpha=0.9, eps=1e-7)`;
    case 'sgd':
      return `torch.optim.SGD(parameters, ${lr})`;
    case 'momentum':
      return `torch.optim.SGD(parameters, ${lr}, momentum=0.9)`;
    default:
      throw new RangeError(`unknown optimizer ${optimizer}`);
  }
}

/** `predict.py`. */
function predictFile(input: CodegenInput): string {
  return `${fill(
    dedent(`
      @@DOCSTRING@@
      import argparse
      import sys

      import numpy as np
      import torch

      from model import build_model, load_tfjs_weights
      from preprocessing import DEFAULT_PATH, Preprocessing, Table

      BATCH = 512


      def main():
          @@ARGUMENTS@@

          model = build_model()
          if args.tfjs_model:
              load_tfjs_weights(model, args.tfjs_model)
          else:
              model.load_state_dict(torch.load(args.weights, map_location="cpu"))
          model.eval()

          preprocessing = Preprocessing.load(args.preprocessing)
          examples = preprocessing.examples(Table.read_csv(args.data), labelled=False)
          outputs = []
          with torch.no_grad():
              for start in range(0, len(examples), BATCH):
                  outputs.append(model(torch.from_numpy(examples.x[start : start + BATCH])).numpy())
          outputs = np.concatenate(outputs) if outputs else np.zeros((0, 1), dtype=np.float32)

          @@WRITE@@


      if __name__ == "__main__":
          main()
    `),
    { DOCSTRING: predictDocstring(PYTORCH, input.model), ARGUMENTS: predictArguments(PYTORCH), WRITE: WRITE_PREDICTIONS },
  )}\n`;
}

function readme(input: CodegenInput, layers: readonly PlannedLayer[], params: number): string {
  return pythonReadme(input, layers, params, PYTORCH, {
    heading: 'PyTorch',
    intro: dedent(`
      Generated by modelsmith from the registered model version. The network is the one
      modelsmith trained with TensorFlow.js, layer for layer and with the same parameter count.
    `),
    prints: 'its parameter count',
    differences: differences(layers),
  });
}

/** The README's notes on where the PyTorch model differs from tfjs, for the layers it has. */
function differences(layers: readonly PlannedLayer[]): string {
  const notes = [
    uses(layers, 'recurrent')
      ? dedent(`
          - LSTM and GRU layers are small custom modules: \`nn.LSTM\` and \`nn.GRU\` have two bias
            vectors per gate, and \`nn.GRU\` applies its reset gate after the recurrent product.
            These follow Keras and TensorFlow.js exactly (one bias; GRU reset before the product).
        `)
      : null,
    uses(layers, 'conv2d', 'pool2d')
      ? dedent(`
          - Images stay channels-last at the input; the model moves channels first around its
            convolutions and back before flattening, so flattened features keep the tfjs order.
        `)
      : null,
    uses(layers, 'transformerEncoder')
      ? dedent(`
          - Attention is written out (\`MultiHeadSelfAttention\`) rather than \`nn.MultiheadAttention\`,
            which requires the heads to span the model width; layer norms use epsilon 1e-3.
        `)
      : null,
    dedent(`
      - Initial weights are drawn from PyTorch's generator, so a retrained model matches the
        original in distribution, not bit for bit.
    `),
  ];
  return notes.filter((note): note is string => note !== null).join('\n');
}

/** The PyTorch target's files, relative to its folder. */
export function pytorchFiles(input: CodegenInput, params: number): Record<string, string> {
  const layers = planLayers(input.architecture);
  return {
    'README.md': readme(input, layers, params),
    'model.py': modelFile(input, layers, params),
    'preprocessing.py': pythonPreprocessing(),
    'train.py': trainFile(input),
    'predict.py': predictFile(input),
    'requirements.txt': 'numpy>=1.21\ntorch>=1.13\n',
  };
}
