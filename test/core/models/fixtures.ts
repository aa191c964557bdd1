/** Shared data shapes, tiny assignments and tfjs helpers for the model-family tests. */
import * as tf from '@tensorflow/tfjs';
import type { Assignment } from '../../../src/core/space/space.js';
import type { DataShape } from '../../../src/core/models/types.js';

const COMMON = { learningRate: 0.01, batchSize: 8, optimizer: 'adam', epochs: 5 } as const;

/** The data shapes every family is checked against. */
export const DATA = {
  tabular: { task: 'classification', inputShape: [4], outputUnits: 3 },
  image: { task: 'classification', inputShape: [8, 8, 1], outputUnits: 10 },
  mnist: { task: 'classification', inputShape: [28, 28, 1], outputUnits: 10 },
  sequence: { task: 'classification', inputShape: [7, 6], outputUnits: 4 },
  tabularRegression: { task: 'regression', inputShape: [4], outputUnits: 1 },
  imageRegression: { task: 'regression', inputShape: [8, 8, 1], outputUnits: 1 },
  sequenceRegression: { task: 'regression', inputShape: [7, 6], outputUnits: 1 },
} as const satisfies Record<string, DataShape>;

/** Prefix family parameters with the family name, as a search space does. */
export function assignment(family: string, parameters: Record<string, string | number | boolean>): Assignment {
  const prefixed = Object.fromEntries(Object.entries(parameters).map(([name, value]) => [`${family}.${name}`, value]));
  return { family, ...COMMON, ...prefixed };
}

/** Tiny assignments, one or more per family. */
export const ASSIGNMENTS = {
  mlp: assignment('mlp', { layers: 2, units: 8, dropout: 0.1, activation: 'relu' }),
  cnn: assignment('cnn', { blocks: 2, filters: 4, kernel: 3, activation: 'relu', pooling: 'max', dense: 8, dropout: 0.1 }),
  lstm: assignment('rnn', { cell: 'lstm', layers: 2, units: 5, bidirectional: false, dropout: 0.1 }),
  biGru: assignment('rnn', { cell: 'gru', layers: 2, units: 4, bidirectional: true, dropout: 0 }),
  transformer: assignment('transformer', { layers: 2, heads: 2, headDim: 4, ffDim: 16, dropout: 0.1, pooling: 'mean' }),
  transformerLast: assignment('transformer', { layers: 1, heads: 3, headDim: 2, ffDim: 8, dropout: 0, pooling: 'last' }),
} as const;

/** A seeded batch of inputs of a per-example shape. */
export function batchOf(inputShape: readonly number[], count = 3, seed = 11): tf.Tensor {
  return tf.randomUniform([count, ...inputShape], -1, 1, 'float32', seed);
}

/** Predictions of a model on a batch, as plain numbers. */
export function predictions(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
}

/** Save a model through an in-memory handler and load it back. */
export async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('nothing was saved');
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}
