/**
 * TensorFlow.js files at float32, float16 and uint8 weight precision: each variant loads
 * back with tfjs's own loader and predicts close to the trained model.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleArtifacts, float16Bits, float16Value, loadBundle, modelArtifacts, tfjsBundles, uint8Range, WEIGHTS_FILE } from '../../../src/core/export/tfjs-bundle.js';
import type { Assignment } from '../../../src/core/space/space.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { assignment } from '../models/fixtures.js';
import { maxAbsDifference, prepareExample, tfjsPredictions, trainedModel } from './examples.js';

const measured: string[] = [];
beforeAll(async () => {
  await initBackend('auto');
});
afterAll(() => {
  console.info(`quantized tfjs vs float32 tfjs:\n${measured.join('\n')}`);
});

/** How far each variant's predictions may stray from the trained model's (probabilities or standardized values). */
const PREDICTION_TOLERANCE = { float32: 0, float16: 2e-3, uint8: 2e-2 } as const;

async function check(name: string, dataset: string, assigned: Assignment): Promise<void> {
  const example = prepareExample(dataset);
  const { model } = await trainedModel(example, assigned);
  try {
    const expected = tfjsPredictions(example, model);
    const bundles = await tfjsBundles(model);
    expect(bundles.map((b) => b.precision)).toEqual(['float32', 'float16', 'uint8']);
    const [full, half, byte] = bundles.map((b) => b.weights.length) as [number, number, number];
    expect(half).toBe(full / 2);
    expect(byte).toBe(full / 4);
    for (const bundle of bundles) {
      expect(bundle.modelJson.weightsManifest[0]?.paths).toEqual([WEIGHTS_FILE]);
      // model.json must survive JSON, as it does on disk.
      const loaded = await loadBundle(JSON.parse(JSON.stringify(bundle.modelJson)), bundle.weights);
      try {
        const difference = maxAbsDifference(tfjsPredictions(example, loaded), expected);
        measured.push(
          `  ${name} ${bundle.precision}: ${bundle.weights.length} bytes of weights, max |weight error| ${bundle.maxWeightError.toExponential(2)}, max |prediction difference| ${difference.toExponential(2)}`,
        );
        expect(difference).toBeLessThanOrEqual(PREDICTION_TOLERANCE[bundle.precision]);
      } finally {
        loaded.dispose();
      }
    }
  } finally {
    model.dispose();
  }
}

describe('quantized tfjs bundles load back and predict close to float32', () => {
  it('mlp on iris', () => check('mlp iris', 'iris', assignment('mlp', { layers: 2, units: 32, dropout: 0.1, activation: 'relu' })));
  it('mlp regression on diabetes', () => check('mlp diabetes', 'diabetes', assignment('mlp', { layers: 2, units: 32, dropout: 0, activation: 'elu' })));
  it('cnn on digits', () =>
    check('cnn digits', 'digits', assignment('cnn', { blocks: 2, filters: 8, kernel: 3, activation: 'relu', pooling: 'max', dense: 32, dropout: 0.1 })));
  it('gru on seattle-weather', () =>
    check('gru weather', 'seattle-weather', assignment('rnn', { cell: 'gru', layers: 1, units: 16, bidirectional: true, dropout: 0 })));
  it('transformer on seattle-weather', () =>
    check('transformer weather', 'seattle-weather', assignment('transformer', { layers: 1, heads: 2, headDim: 8, ffDim: 32, dropout: 0, pooling: 'mean' })));
});

describe('weight encodings', () => {
  it('rounds float32 to the nearest float16', () => {
    for (const value of [0, -0, 1, -2.5, 65504, 6.103515625e-5, 5.960464477539063e-8, 0.1, 1 / 3, -1234.5678]) {
      const decoded = float16Value(float16Bits(value));
      const relative = value === 0 ? Math.abs(decoded) : Math.abs(decoded - value) / Math.abs(value);
      expect(relative).toBeLessThanOrEqual(value !== 0 && Math.abs(value) < 6.2e-5 ? 0.5 : 2 ** -11);
    }
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(1e6)).toBe(0x7c00);
    expect(float16Bits(2 ** -24)).toBe(0x0001);
    expect(float16Bits(2 ** -26)).toBe(0x0000);
    // Ties go to the even mantissa: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(float16Value(float16Bits(Number.NaN)))).toBe(true);
  });

  it('keeps zero exact in uint8 ranges that hold it, and constants exact', () => {
    const { scale, min } = uint8Range(Float32Array.of(-0.3, 0, 0.7, 0.2));
    expect(Math.abs(Math.round(-min / scale) * scale + min)).toBeLessThan(1e-12);
    expect(uint8Range(Float32Array.of(2, 2, 2))).toEqual({ scale: 0, min: 2 });
    expect(uint8Range(Float32Array.of(0.5, 1.5))).toEqual({ scale: 1 / 255, min: 0.5 });
  });

  it('writes the quantization tfjs decodes and refuses data that does not match the specs', async () => {
    const input = tf.input({ shape: [2] });
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, name: 'only', kernelInitializer: 'ones' }).apply(input) as tf.SymbolicTensor });
    const artifacts = await modelArtifacts(model);
    const byte = bundleArtifacts(artifacts, 'uint8');
    expect(byte.modelJson.weightsManifest[0]?.weights).toEqual([
      { name: 'only/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0, min: 1 } },
      { name: 'only/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0, min: 0 } },
    ]);
    expect(byte.maxWeightError).toBe(0);
    expect(bundleArtifacts(artifacts, 'float16').modelJson.weightsManifest[0]?.weights[0]?.quantization).toEqual({ dtype: 'float16' });
    const truncated = { ...artifacts, weightData: (artifacts.weightData as ArrayBuffer).slice(0, 20) };
    expect(() => bundleArtifacts(truncated, 'float16')).toThrow(/ends inside weight only\/bias/);
    model.dispose();
  });
});
