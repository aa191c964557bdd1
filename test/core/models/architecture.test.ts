/** describeArchitecture: each family's layer list and its conditional parameters. */
import { describe, expect, it } from 'vitest';
import { describeArchitecture } from '../../../src/core/models/architecture.js';
import { traceShapes } from '../../../src/core/models/shapes.js';
import type { LayerSpec } from '../../../src/core/models/types.js';
import { ASSIGNMENTS, DATA, assignment } from './fixtures.js';

const types = (layers: readonly LayerSpec[]): string[] => layers.map((layer) => layer.type);

describe('describeArchitecture', () => {
  it('mlp: dense + dropout per hidden layer, softmax head, no flatten on tabular input', () => {
    const arch = describeArchitecture(ASSIGNMENTS.mlp, DATA.tabular);
    expect(arch.family).toBe('mlp');
    expect(arch.inputShape).toEqual([4]);
    expect(arch.layers).toEqual([
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'dropout', rate: 0.1 },
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'dropout', rate: 0.1 },
      { type: 'dense', units: 3, activation: 'softmax' },
    ]);
  });

  it('mlp: flattens rank > 1 input and leaves out zero dropout', () => {
    const arch = describeArchitecture(assignment('mlp', { layers: 1, units: 5, dropout: 0, activation: 'tanh' }), DATA.image);
    expect(types(arch.layers)).toEqual(['flatten', 'dense', 'dense']);
    expect(traceShapes(arch).map((step) => step.output)).toEqual([[64], [5], [10]]);
  });

  it('cnn: filters double per block and pooling follows each block', () => {
    const arch = describeArchitecture(
      assignment('cnn', { blocks: 3, filters: 4, kernel: 5, activation: 'elu', pooling: 'avg', dense: 0, dropout: 0 }),
      DATA.mnist,
    );
    const convs = arch.layers.filter((layer) => layer.type === 'conv2d');
    expect(convs).toEqual([
      { type: 'conv2d', filters: 4, kernel: 5, activation: 'elu' },
      { type: 'conv2d', filters: 8, kernel: 5, activation: 'elu' },
      { type: 'conv2d', filters: 16, kernel: 5, activation: 'elu' },
    ]);
    expect(types(arch.layers)).toEqual(['conv2d', 'pool2d', 'conv2d', 'pool2d', 'conv2d', 'pool2d', 'flatten', 'dense']);
    expect(arch.layers[1]).toEqual({ type: 'pool2d', mode: 'avg' });
    // 28 → 14 → 7 → 3 (floor), no dense before the head when dense = 0.
    expect(traceShapes(arch).at(-2)?.output).toEqual([3 * 3 * 16]);
  });

  it('cnn: pooling stops once the image is 1x1', () => {
    const arch = describeArchitecture(
      assignment('cnn', { blocks: 5, filters: 2, kernel: 3, activation: 'relu', pooling: 'max', dense: 0, dropout: 0 }),
      DATA.image,
    );
    // 8 → 4 → 2 → 1, then two blocks without pooling.
    expect(types(arch.layers)).toEqual([
      'conv2d', 'pool2d', 'conv2d', 'pool2d', 'conv2d', 'pool2d', 'conv2d', 'conv2d', 'flatten', 'dense',
    ]);
    expect(traceShapes(arch).find((step) => step.input.length === 3 && step.output.length === 1)?.input).toEqual([1, 1, 32]);
  });

  it('cnn: pooling stops as soon as either side is below 2', () => {
    const arch = describeArchitecture(
      assignment('cnn', { blocks: 3, filters: 1, kernel: 1, activation: 'relu', pooling: 'max', dense: 0, dropout: 0 }),
      { task: 'classification', inputShape: [3, 5, 2], outputUnits: 2 },
    );
    // 3x5 → 1x2: the second and third blocks cannot pool.
    expect(types(arch.layers)).toEqual(['conv2d', 'pool2d', 'conv2d', 'conv2d', 'flatten', 'dense']);
  });

  it('cnn: dense and dropout before the head when set', () => {
    const arch = describeArchitecture(ASSIGNMENTS.cnn, DATA.image);
    expect(arch.layers.slice(-4)).toEqual([
      { type: 'flatten' },
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'dropout', rate: 0.1 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ]);
  });

  it('rnn: sequences returned by all but the last layer, dropout after each, bidirectional kept', () => {
    const arch = describeArchitecture(
      assignment('rnn', { cell: 'gru', layers: 3, units: 6, bidirectional: true, dropout: 0.25 }),
      DATA.sequence,
    );
    const recurrent = arch.layers.filter((layer) => layer.type === 'recurrent');
    expect(recurrent.map((layer) => layer.returnSequences)).toEqual([true, true, false]);
    expect(recurrent.every((layer) => layer.cell === 'gru' && layer.units === 6 && layer.bidirectional)).toBe(true);
    expect(types(arch.layers)).toEqual(['recurrent', 'dropout', 'recurrent', 'dropout', 'recurrent', 'dropout', 'dense']);
    expect(traceShapes(arch).map((step) => step.output)).toEqual([[7, 12], [7, 12], [7, 12], [7, 12], [12], [12], [4]]);
  });

  it('transformer: linear projection to heads x headDim, encodings, blocks, pooling, head', () => {
    const arch = describeArchitecture(ASSIGNMENTS.transformer, DATA.sequence);
    expect(arch.layers).toEqual([
      { type: 'dense', units: 8, activation: 'linear' },
      { type: 'positionalEncoding' },
      { type: 'transformerEncoder', heads: 2, headDim: 4, ffDim: 16, dropout: 0.1 },
      { type: 'transformerEncoder', heads: 2, headDim: 4, ffDim: 16, dropout: 0.1 },
      { type: 'sequencePool', mode: 'mean' },
      { type: 'dense', units: 4, activation: 'softmax' },
    ]);
  });

  it('regression ends in one linear unit', () => {
    for (const [name, data] of [['mlp', DATA.tabularRegression], ['transformerLast', DATA.sequenceRegression]] as const) {
      expect(describeArchitecture(ASSIGNMENTS[name], data).layers.at(-1)).toEqual({ type: 'dense', units: 1, activation: 'linear' });
    }
  });

  it('rejects data a family cannot read and malformed assignments', () => {
    expect(() => describeArchitecture(ASSIGNMENTS.cnn, DATA.tabular)).toThrow(/cnn needs image/);
    expect(() => describeArchitecture(ASSIGNMENTS.lstm, DATA.image)).toThrow(/rnn needs sequence/);
    expect(() => describeArchitecture(ASSIGNMENTS.transformer, DATA.tabular)).toThrow(/transformer needs sequence/);
    expect(() => describeArchitecture({ ...ASSIGNMENTS.mlp, family: 'svm' }, DATA.tabular)).toThrow(/unknown family/);
    const { ['mlp.units']: _units, ...missing } = ASSIGNMENTS.mlp;
    expect(() => describeArchitecture(missing, DATA.tabular)).toThrow(/no mlp.units/);
    expect(() => describeArchitecture({ ...ASSIGNMENTS.mlp, 'mlp.units': 2.5 }, DATA.tabular)).toThrow(/integer/);
    expect(() => describeArchitecture({ ...ASSIGNMENTS.mlp, 'mlp.activation': 'softmax' }, DATA.tabular)).toThrow(/one of/);
    expect(() => describeArchitecture(ASSIGNMENTS.mlp, { ...DATA.tabular, outputUnits: 1 })).toThrow(/at least 2/);
  });
});
