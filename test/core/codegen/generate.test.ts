/**
 * Code generation as a pure function: the files it writes, that it is deterministic, that
 * the code reads as a person would write it (sizes visible, lines of sensible length,
 * consistent indentation), and that malformed or inconsistent inputs are refused before
 * anything from them reaches source text.
 */
import { describe, expect, it } from 'vitest';
import {
  CODE_TARGETS,
  checkInput,
  className,
  commentText,
  describeProblem,
  generateCode,
  PREPROCESSING_FORMAT,
  snakeName,
  trainingPlanOf,
  type CodegenInput,
} from '../../../src/core/codegen/index.js';
import { callText, dedent, fill } from '../../../src/core/codegen/text.js';
import { examples, prepare } from './support.js';

const all = await examples();
const iris = prepare(all.find((e) => e.key === 'iris-mlp') ?? (all[0] as never));

/** A copy of the iris input with one part replaced. */
function withPart(part: Partial<Record<keyof CodegenInput, unknown>>): CodegenInput {
  return { ...iris.input, ...part } as CodegenInput;
}

describe('generateCode', () => {
  it('writes the shared preprocessing.json, an overview and four parts plus a README per target', () => {
    const perTarget = {
      keras: ['README.md', 'model.py', 'predict.py', 'preprocessing.py', 'requirements.txt', 'train.py'],
      pytorch: ['README.md', 'model.py', 'predict.py', 'preprocessing.py', 'requirements.txt', 'train.py'],
      tfjs: ['README.md', 'model.ts', 'package.json', 'predict.ts', 'preprocessing.ts', 'train.ts', 'tsconfig.json'],
    };
    expect(Object.keys(iris.files).sort()).toEqual(
      ['README.md', 'preprocessing.json', ...CODE_TARGETS.flatMap((t) => perTarget[t].map((f) => `${t}/${f}`))].sort(),
    );
  });

  it('is deterministic', () => {
    for (const example of all) expect(prepare(example).files).toEqual(prepare(example).files);
  });

  it('stores the fitted parameters, column names and classes in preprocessing.json', () => {
    const document = JSON.parse(iris.files['preprocessing.json'] ?? '{}') as Record<string, unknown>;
    expect(document).toEqual({
      format: PREPROCESSING_FORMAT,
      model: { name: 'iris-mlp', version: 1 },
      task: 'classification',
      kind: 'tabular',
      features: iris.preprocessor.features,
      target: iris.preprocessor.target,
      inputShape: [4],
      window: 1,
      horizon: 0,
      orderBy: null,
    });
    const weather = prepare(all.find((e) => e.key === 'weather-lstm') as never);
    expect(JSON.parse(weather.files['preprocessing.json'] ?? '{}')).toMatchObject({ kind: 'sequence', window: 5, horizon: 1, orderBy: 'date' });
  });

  it('writes the layer sizes into each model definition', () => {
    const cnn = prepare(all.find((e) => e.key === 'digits-cnn') as never).files;
    expect(cnn['pytorch/model.py']).toContain('nn.Conv2d(1, 4, kernel_size=3, padding="same"),');
    expect(cnn['pytorch/model.py']).toContain('nn.Conv2d(4, 8, kernel_size=3, padding="same"),');
    expect(cnn['pytorch/model.py']).toContain('nn.MaxPool2d(kernel_size=2, stride=2),');
    expect(cnn['pytorch/model.py']).toContain('nn.Linear(32, 16),');
    expect(cnn['keras/model.py']).toContain('x = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv2d_2")(x)');
    expect(cnn['tfjs/model.ts']).toContain("filters: 8,");
    const gru = prepare(all.find((e) => e.key === 'weather-bigru') as never).files;
    expect(gru['pytorch/model.py']).toContain('GRULayer(8, 4, return_sequences=False),');
    expect(gru['keras/model.py']).toContain('layers.GRU(4, return_sequences=False, recurrent_activation="sigmoid", reset_after=False)');
    expect(gru['tfjs/model.ts']).toContain("bidirectional(gru({ units: 4, returnSequences: false, name: 'gru_2' }), 'bidirectional_gru_2')");
    const transformer = prepare(all.find((e) => e.key === 'weather-transformer') as never).files;
    expect(transformer['pytorch/model.py']).toContain('TransformerEncoderBlock(8, heads=2, head_dim=4, ff_dim=8, dropout=0.1),');
    expect(transformer['keras/model.py']).toContain('x = transformer_encoder(x, heads=2, head_dim=4, ff_dim=8, dropout=0.1, name="encoder_2")');
    expect(transformer['tfjs/model.ts']).toContain("x = transformerEncoder(x, { heads: 2, headDim: 4, ffDim: 8, dropout: 0.1, name: 'encoder_1' });");
  });

  it('formats code as a person would: short lines, spaces not tabs, no trailing blanks, one final newline', () => {
    // The examples, and the largest sizes the catalog allows with long decimals and a long name.
    const huge = (key: string, base: string, family: string, parameters: Record<string, string | number | boolean>) => {
      const example = all.find((e) => e.key === base) as (typeof all)[number];
      const prefixed = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [`${family}.${k}`, v]));
      return { ...example, key, assignment: { ...example.assignment, family, learningRate: 0.000123456789012345, ...prefixed } };
    };
    const extremes = [
      huge('huge-cnn', 'digits-cnn', 'cnn', { blocks: 2, filters: 1024, kernel: 11, activation: 'swish', pooling: 'avg', dense: 8192, dropout: 0.123456789 }),
      huge('huge-rnn', 'weather-bigru', 'rnn', { cell: 'lstm', layers: 3, units: 4096, bidirectional: true, dropout: 0.123456789 }),
      huge('huge-transformer', 'weather-transformer', 'transformer', { layers: 2, heads: 32, headDim: 256, ffDim: 16384, dropout: 0.123456789, pooling: 'last' }),
    ];
    for (const example of [...all, ...extremes]) {
      for (const [path, text] of Object.entries(prepare(example, `${example.key}-${'long-model-name'.repeat(4)}`).files)) {
        const limit = path.endsWith('.py') ? 100 : 120;
        const lines = text.split('\n');
        expect(text.endsWith('\n') && !text.endsWith('\n\n'), path).toBe(true);
        for (const line of lines) {
          expect(line.length, `${example.key}/${path}: ${line}`).toBeLessThanOrEqual(limit);
          expect(line, path).not.toMatch(/\t|\s$/);
        }
        // Python indents by 4, TypeScript by 2 (inside doc comments, by 1 before the star).
        const indents = lines.map((line) => /^ */.exec(line)?.[0].length ?? 0).filter((n, i) => n > 0 && !/^\s*\*/.test(lines[i] ?? ''));
        const step = path.endsWith('.py') ? 4 : path.endsWith('.ts') ? 2 : 1;
        expect(indents.every((n) => n % step === 0), path).toBe(true);
      }
    }
  });

  it('refuses malformed parts before writing anything', () => {
    const layers = iris.architecture.layers;
    const broken = (layer: unknown) => withPart({ architecture: { ...iris.architecture, layers: [layer, ...layers.slice(1)] } });
    expect(() => generateCode(broken({ type: 'dense', units: '8); import os #', activation: 'relu' }))).toThrow(/units must be an integer/);
    expect(() => generateCode(broken({ type: 'dense', units: 8, activation: 'relu"); import os #' }))).toThrow(/activation must be one of/);
    expect(() => generateCode(broken({ type: 'lambda', code: 'x' }))).toThrow(/a known layer type/);
    expect(() => generateCode(broken({ type: 'dropout', rate: Number.NaN }))).toThrow(/rate in \[0, 1\)/);
    expect(() => generateCode(withPart({ training: { ...iris.input.training, optimizer: 'adam(); os' } }))).toThrow(/optimizer must be one of/);
    expect(() => generateCode(withPart({ training: { ...iris.input.training, learningRate: Infinity } }))).toThrow(/learningRate/);
    expect(() => generateCode(withPart({ model: { name: 'x', version: 1.5 } }))).toThrow(/model.version/);
    expect(() => generateCode(withPart({ preprocessor: { ...iris.preprocessor, format: 'other' } }))).toThrow(/preprocessor.format/);
  });

  it('refuses parts that describe different models', () => {
    const problem = iris.input.problem;
    expect(() => generateCode(withPart({ problem: { ...problem, classes: ['a', 'b', 'c'] } }))).toThrow(/problem.classes/);
    expect(() => generateCode(withPart({ problem: { ...problem, features: [...problem.features].reverse() } }))).toThrow(/problem.features/);
    expect(() => generateCode(withPart({ problem: { ...problem, task: 'regression' } }))).toThrow(/problem.task/);
    expect(() => generateCode(withPart({ architecture: { ...iris.architecture, inputShape: [5] } }))).toThrow();
    const output = { type: 'dense', units: 2, activation: 'softmax' } as const;
    expect(() => generateCode(withPart({ architecture: { ...iris.architecture, layers: [...iris.architecture.layers.slice(0, -1), output] } }))).toThrow(
      /3 classes/,
    );
  });

  it('accepts an architecture read back from JSON, with its cost field, and strips nothing it needs', () => {
    const stored = JSON.parse(JSON.stringify({ ...iris.architecture, cost: { params: 1, flops: 2 } })) as unknown;
    expect(checkInput(withPart({ architecture: stored })).architecture).toEqual(iris.architecture);
  });

  it('derives the problem and training plan from a preprocessor and an assignment', () => {
    expect(describeProblem(iris.preprocessor)).toEqual({
      task: 'classification',
      kind: 'tabular',
      target: 'species',
      features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      classes: ['setosa', 'versicolor', 'virginica'],
      orderBy: null,
    });
    expect(trainingPlanOf(iris.example.assignment, { epochs: 7, patience: 3, validationFraction: 0.1, seed: 2 })).toEqual({
      optimizer: 'adam',
      learningRate: 0.01,
      batchSize: 16,
      epochs: 7,
      maxEpochs: 20,
      patience: 3,
      validationFraction: 0.1,
      seed: 2,
    });
  });
});

describe('source text helpers', () => {
  it('make identifiers and comment text from letters and digits only', () => {
    expect(className('iris-v2')).toBe('IrisV2Model');
    expect(className(`x"""; __import__('os')`)).toBe('XImportOsModel');
    expect(className('42')).toBe('Model');
    expect(snakeName('Seattle-Weather.v2', 'model')).toBe('seattle_weather_v2');
    expect(snakeName('_9', 'model')).toBe('model');
    expect(commentText('a*/ b\n"""${x}`')).toBe('a__ b______x__');
  });

  it('break long calls one argument per line and fill placeholders with indented blocks', () => {
    expect(callText('f', ['a', 'b'], 0)).toBe('f(a, b)');
    expect(callText('f', ['a'.repeat(60), 'b'.repeat(60)], 0)).toBe(`f(\n    ${'a'.repeat(60)},\n    ${'b'.repeat(60)},\n)`);
    expect(fill(dedent(`\n  def f():\n      @@BODY@@\n`), { BODY: 'a = 1\nif a:\n    b = 2' })).toBe('def f():\n    a = 1\n    if a:\n        b = 2');
  });
});
