/**
 * The generated Keras code. TensorFlow is not installed where these tests run, so the
 * files are compiled with `python3 -m py_compile` and the model definition is read with
 * Python's ast module: build_model() must make exactly the calls the architecture calls
 * for, in order, with the settings that make Keras compute what tfjs computes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLayers, type PlannedLayer } from '../../../src/core/codegen/index.js';
import { tempDir } from '../../helpers.js';
import { examples, exec, findPython, prepare, writeFiles, type Prepared } from './support.js';

const python = findPython([]);
if (!python) console.warn('SKIPPED: the generated Keras code is not compiled or parsed: no python3 on the PATH.');
const withPython = it.skipIf(!python);

interface Call {
  readonly call: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

/** The Keras call each planned layer should become. */
function expectedCall(layer: PlannedLayer, source: string): Call {
  const { spec, name } = layer;
  const activation = (a: string) => (a === 'linear' ? {} : { activation: a });
  switch (spec.type) {
    case 'dense':
      return { call: 'layers.Dense', args: [spec.units], kwargs: { ...activation(spec.activation), name } };
    case 'dropout':
      return { call: 'layers.Dropout', args: [spec.rate], kwargs: { name } };
    case 'flatten':
      return { call: 'layers.Flatten', args: [], kwargs: { name } };
    case 'conv2d':
      return { call: 'layers.Conv2D', args: [spec.filters, spec.kernel], kwargs: { padding: 'same', ...activation(spec.activation), name } };
    case 'pool2d':
      return { call: spec.mode === 'max' ? 'layers.MaxPooling2D' : 'layers.AveragePooling2D', args: [], kwargs: { pool_size: 2, strides: 2, name } };
    case 'recurrent': {
      const cell = {
        call: spec.cell === 'lstm' ? 'layers.LSTM' : 'layers.GRU',
        args: [spec.units],
        kwargs: {
          return_sequences: spec.returnSequences,
          recurrent_activation: 'sigmoid',
          // tfjs's GRU resets before the recurrent product, with one bias vector.
          ...(spec.cell === 'gru' ? { reset_after: false } : { unit_forget_bias: true }),
        },
      };
      if (!spec.bidirectional) return { ...cell, kwargs: { ...cell.kwargs, name } };
      return { call: 'layers.Bidirectional', args: [cell], kwargs: { merge_mode: 'concat', name: `bidirectional_${name}` } };
    }
    case 'positionalEncoding':
      return { call: 'PositionalEncoding', args: [], kwargs: { name } };
    case 'transformerEncoder':
      return {
        call: 'transformer_encoder',
        args: [{ name: source }],
        kwargs: { heads: spec.heads, head_dim: spec.headDim, ff_dim: spec.ffDim, dropout: spec.dropout, name },
      };
    case 'sequencePool':
      return { call: spec.mode === 'mean' ? 'layers.GlobalAveragePooling1D' : 'LastStep', args: [], kwargs: { name } };
  }
}

let home: Awaited<ReturnType<typeof tempDir>>;
let prepared: { prepared: Prepared; dir: string }[] = [];

beforeAll(async () => {
  home = await tempDir();
  prepared = await Promise.all(
    (await examples()).map(async (example) => {
      const p = prepare(example);
      const dir = join(home.path, example.key);
      await writeFiles(dir, p.files);
      return { prepared: p, dir };
    }),
  );
});
afterAll(() => home.cleanup());

describe('generated Keras code', () => {
  withPython('compiles: every generated Python file, Keras and PyTorch (needs python3)', async () => {
    const files = prepared.flatMap(({ dir, prepared: p }) => Object.keys(p.files).filter((f) => f.endsWith('.py')).map((f) => join(dir, f)));
    expect(files.length).toBe(prepared.length * 8);
    await exec(python as string, ['-m', 'py_compile', ...files], home.path);
  });

  withPython('builds exactly the layers of the architecture, in order, with tfjs-equivalent settings (needs python3)', async () => {
    const models = prepared.map(({ dir }) => join(dir, 'keras', 'model.py'));
    const { stdout } = await exec(python as string, [join(import.meta.dirname, 'keras_layers.py'), ...models], home.path);
    const parsed = JSON.parse(stdout) as Record<string, { calls: Call[]; classes: string[]; functions: string[] }>;
    for (const { dir, prepared: p } of prepared) {
      const found = parsed[join(dir, 'keras', 'model.py')];
      const layers = planLayers(p.architecture);
      const expected: Call[] = [
        { call: 'keras.Input', args: [], kwargs: { shape: { name: 'INPUT_SHAPE' }, name: 'input' } },
        ...layers.map((layer, i) => expectedCall(layer, i === 0 ? 'inputs' : 'x')),
        { call: 'keras.Model', args: [{ name: 'inputs' }, { name: 'x' }], kwargs: { name: p.example.key.replace(/-/g, '_') } },
      ];
      expect(found?.calls, p.example.key).toEqual(expected);
      // The custom layers are defined exactly when used.
      const types = new Set(p.architecture.layers.map((l) => l.type));
      expect(found?.classes.includes('PositionalEncoding'), p.example.key).toBe(types.has('positionalEncoding'));
      expect(found?.functions.includes('transformer_encoder'), p.example.key).toBe(types.has('transformerEncoder'));
      expect(found?.functions).toEqual(expect.arrayContaining(['build_model', 'read_tfjs_weights', 'load_tfjs_weights']));
    }
  });

  it('declares the input shape and output size of the architecture', () => {
    for (const { prepared: p } of prepared) {
      const model = p.files['keras/model.py'] ?? '';
      const shape = p.architecture.inputShape;
      expect(model).toContain(`INPUT_SHAPE = (${shape.join(', ')}${shape.length === 1 ? ',' : ''})\n`);
      const output = p.architecture.layers[p.architecture.layers.length - 1];
      expect(model).toContain(`OUTPUT_UNITS = ${output?.type === 'dense' ? output.units : -1}\n`);
    }
  });
});
