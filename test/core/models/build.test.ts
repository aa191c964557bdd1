/** buildModel: parameter counts, output shapes, seeding and save/load for every family. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeArchitecture } from '../../../src/core/models/architecture.js';
import { buildModel } from '../../../src/core/models/build.js';
import { estimateCost } from '../../../src/core/models/cost.js';
import type { DataShape } from '../../../src/core/models/types.js';
import type { Assignment } from '../../../src/core/space/space.js';
import { ASSIGNMENTS, DATA, batchOf, predictions, roundTrip } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Every family on the data shapes it can read. */
const CASES: [string, Assignment, DataShape][] = [
  ['mlp tabular [4] → 3', ASSIGNMENTS.mlp, DATA.tabular],
  ['mlp image [8,8,1] → 10', ASSIGNMENTS.mlp, DATA.image],
  ['mlp image [28,28,1] → 10', ASSIGNMENTS.mlp, DATA.mnist],
  ['mlp sequence [7,6] → 4', ASSIGNMENTS.mlp, DATA.sequence],
  ['mlp regression [4] → 1', ASSIGNMENTS.mlp, DATA.tabularRegression],
  ['cnn image [8,8,1] → 10', ASSIGNMENTS.cnn, DATA.image],
  ['cnn image [28,28,1] → 10', ASSIGNMENTS.cnn, DATA.mnist],
  ['cnn regression [8,8,1] → 1', ASSIGNMENTS.cnn, DATA.imageRegression],
  ['lstm sequence [7,6] → 4', ASSIGNMENTS.lstm, DATA.sequence],
  ['bidirectional gru sequence [7,6] → 4', ASSIGNMENTS.biGru, DATA.sequence],
  ['lstm regression [7,6] → 1', ASSIGNMENTS.lstm, DATA.sequenceRegression],
  ['transformer sequence [7,6] → 4', ASSIGNMENTS.transformer, DATA.sequence],
  ['transformer (last step) regression [7,6] → 1', ASSIGNMENTS.transformerLast, DATA.sequenceRegression],
];

/** One case per family (and per custom layer), for the costlier checks. */
const FAMILY_CASES = CASES.filter(([name]) =>
  ['mlp image [8,8,1] → 10', 'cnn image [8,8,1] → 10', 'lstm sequence [7,6] → 4', 'bidirectional gru sequence [7,6] → 4', 'transformer sequence [7,6] → 4', 'transformer (last step) regression [7,6] → 1'].includes(name),
);

describe.each(CASES)('buildModel: %s', (_name, assignment, data) => {
  const arch = describeArchitecture(assignment, data);

  it('has exactly the estimated parameters', () => {
    const model = buildModel(arch, 1);
    expect(model.countParams()).toBe(estimateCost(arch).params);
    model.dispose();
  });

  it('maps a batch to one row of outputs per example', () => {
    const model = buildModel(arch, 1);
    expect(model.outputs[0]?.shape).toEqual([null, data.outputUnits]);
    const x = batchOf(data.inputShape, 3);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([3, data.outputUnits]);
    const values = Array.from(y.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    if (data.task === 'classification') {
      for (let row = 0; row < 3; row++) {
        const sum = values.slice(row * data.outputUnits, (row + 1) * data.outputUnits).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 5);
      }
    }
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe.each(FAMILY_CASES)('buildModel seeding and saving: %s', (_name, assignment, data) => {
  const arch = describeArchitecture(assignment, data);

  it('gives identical weights and predictions for the same seed, different ones for another seed', () => {
    const x = batchOf(data.inputShape);
    const [first, again, other] = [buildModel(arch, 7), buildModel(arch, 7), buildModel(arch, 8)];
    expect(predictions(again, x)).toEqual(predictions(first, x));
    expect(predictions(other, x)).not.toEqual(predictions(first, x));
    const weights = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(again)).toEqual(weights(first));
    expect(again.layers.map((layer) => layer.name)).toEqual(first.layers.map((layer) => layer.name));
    tf.dispose(x);
    [first, again, other].forEach((model) => model.dispose());
  });

  it('saves and loads back to identical predictions', async () => {
    const model = buildModel(arch, 3);
    const loaded = await roundTrip(model);
    const x = batchOf(data.inputShape);
    expect(loaded.layers.map((layer) => layer.getClassName())).toEqual(model.layers.map((layer) => layer.getClassName()));
    expect(loaded.countParams()).toBe(model.countParams());
    expect(predictions(loaded, x)).toEqual(predictions(model, x));
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });
});

describe.each(FAMILY_CASES)('buildModel memory: %s', (_name, assignment, data) => {
  const arch = describeArchitecture(assignment, data);

  // tfjs's LSTM unit-forget-bias initializer leaves 4 tensors per layer per build unless
  // the build is tidied; weights must still outlive the build.
  it('leaves no tensors behind once built, used and disposed, or saved and loaded', async () => {
    const before = tf.memory().numTensors;
    const model = buildModel(arch, 1);
    expect(tf.memory().numTensors - before).toBe(model.weights.length);
    const x = batchOf(data.inputShape);
    expect(predictions(model, x).every(Number.isFinite)).toBe(true);
    const loaded = await roundTrip(model);
    expect(predictions(loaded, x)).toEqual(predictions(model, x));
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buildModel details', () => {
  it('contains the custom layers the transformer needs', () => {
    const model = buildModel(describeArchitecture(ASSIGNMENTS.transformerLast, DATA.sequence), 1);
    const classes = model.layers.map((layer) => layer.getClassName());
    expect(classes).toEqual(expect.arrayContaining(['PositionalEncoding', 'MultiHeadSelfAttention', 'LastStep', 'LayerNormalization', 'Add']));
    expect(model.layers.at(-1)?.name).toBe('output');
    model.dispose();
  });

  it('initializes the backward direction of a bidirectional layer apart from the forward one', () => {
    const model = buildModel(describeArchitecture(ASSIGNMENTS.biGru, DATA.sequence), 5);
    const bidirectional = model.layers.find((layer) => layer.getClassName() === 'Bidirectional');
    const weights = bidirectional?.getWeights() ?? [];
    expect(weights.map((w) => w.shape)).toEqual([[6, 12], [4, 12], [12], [6, 12], [4, 12], [12]]);
    const [forwardKernel, forwardRecurrent, , backwardKernel, backwardRecurrent] = weights.map((w) => Array.from(w.dataSync()));
    expect(backwardKernel).not.toEqual(forwardKernel);
    expect(backwardRecurrent).not.toEqual(forwardRecurrent);
    model.dispose();
  });

  it('uses Keras defaults: zero biases, unit forget bias, orthogonal recurrent kernels', () => {
    const model = buildModel(describeArchitecture(ASSIGNMENTS.lstm, DATA.sequence), 2);
    const lstm = model.layers.find((layer) => layer.getClassName() === 'LSTM');
    const [, recurrent, bias] = lstm?.getWeights() ?? [];
    const units = 5;
    // [i, f, c, o] gate blocks: only the forget gate starts at 1.
    expect(Array.from(bias?.dataSync() ?? [])).toEqual([...Array(units).fill(0), ...Array(units).fill(1), ...Array(2 * units).fill(0)]);
    // recurrent kernel [5, 20]: orthonormal rows, so R·Rᵀ = I.
    const gram = tf.tidy(() => tf.matMul(recurrent as tf.Tensor2D, recurrent as tf.Tensor2D, false, true).sub(tf.eye(units)).abs().max().dataSync()[0]);
    expect(gram).toBeLessThan(1e-4);
    expect(model.layers.filter((layer) => layer.getClassName() === 'Dense').every((layer) => Array.from(layer.getWeights()[1]?.dataSync() ?? [1]).every((b) => b === 0))).toBe(true);
    model.dispose();
  });

  it('applies dropout only in training, with reproducible masks', () => {
    const arch = describeArchitecture(ASSIGNMENTS.mlp, DATA.tabular);
    const x = batchOf(DATA.tabular.inputShape, 16);
    const trainingOutputs = (model: tf.LayersModel) =>
      [0, 1].map(() => tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync())));
    const [first, again] = [buildModel(arch, 4), buildModel(arch, 4)];
    const [step1, step2] = trainingOutputs(first);
    expect(step1).not.toEqual(predictions(first, x));
    expect(step2).not.toEqual(step1);
    expect(trainingOutputs(again)).toEqual([step1, step2]);
    expect(predictions(first, x)).toEqual(predictions(first, x));
    tf.dispose(x);
    first.dispose();
    again.dispose();
  });
});
