/**
 * ONNX export: for every family, a model built by the project's builder and trained
 * briefly on an example dataset is exported, run with ONNX Runtime on the test split, and
 * must predict what tfjs predicts within 1e-4.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../../../src/core/export/onnx-proto.js';
import { exportOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT, OnnxExportError, onnxSupport } from '../../../src/core/export/onnx.js';
import { modelWeights } from '../../../src/core/export/weights.js';
import type { Architecture, LayerSpec } from '../../../src/core/models/types.js';
import type { Assignment } from '../../../src/core/space/space.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { assignment } from '../models/fixtures.js';
import { maxAbsDifference, prepareExample, tfjsPredictions, trainedModel, type PreparedExample } from './examples.js';

const TOLERANCE = 1e-4;
const measured: { name: string; family: string; examples: number; maxDifference: number; bytes: number }[] = [];

beforeAll(async () => {
  await initBackend('auto');
});
afterAll(() => {
  console.info(`ONNX vs tfjs on ${tf.getBackend()}:\n${measured.map((m) => `  ${m.name} (${m.family}, ${m.examples} examples, ${m.bytes} bytes): max |difference| ${m.maxDifference.toExponential(2)}`).join('\n')}`);
});

/** Run an exported model on the test split with ONNX Runtime. */
async function onnxPredictions(bytes: Uint8Array, example: PreparedExample): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input = new ort.Tensor('float32', example.test.x, [example.test.count, ...example.dataShape.inputShape]);
    const result = await session.run({ [ONNX_INPUT]: input });
    const output = result[ONNX_OUTPUT];
    if (!output) throw new Error('no output');
    return output.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Train, export, run both runtimes and compare. */
async function check(name: string, dataset: string, assigned: Assignment): Promise<void> {
  const example = prepareExample(dataset);
  const { architecture, model } = await trainedModel(example, assigned);
  try {
    expect(onnxSupport(architecture)).toEqual({ supported: true });
    const bytes = exportOnnx(architecture, modelWeights(model));
    const expected = tfjsPredictions(example, model);
    const actual = await onnxPredictions(bytes, example);
    const maxDifference = maxAbsDifference(actual, expected);
    measured.push({ name, family: architecture.family, examples: example.test.count, maxDifference, bytes: bytes.length });
    expect(actual.length).toBe(example.test.count * example.dataShape.outputUnits);
    expect(maxDifference).toBeLessThan(TOLERANCE);
  } finally {
    model.dispose();
  }
}

describe('ONNX export matches tfjs predictions', () => {
  const mlp = (parameters: Record<string, string | number>) => assignment('mlp', { layers: 2, units: 16, dropout: 0.1, activation: 'relu', ...parameters });
  const cnn = (parameters: Record<string, string | number>) =>
    assignment('cnn', { blocks: 2, filters: 4, kernel: 3, activation: 'relu', pooling: 'max', dense: 16, dropout: 0.1, ...parameters });
  const rnn = (parameters: Record<string, string | number | boolean>) =>
    assignment('rnn', { cell: 'lstm', layers: 1, units: 8, bidirectional: false, dropout: 0.1, ...parameters });
  const transformer = (parameters: Record<string, string | number>) =>
    assignment('transformer', { layers: 2, heads: 2, headDim: 4, ffDim: 16, dropout: 0.1, pooling: 'mean', ...parameters });

  it('mlp on iris (relu, dropout, softmax)', () => check('mlp relu', 'iris', mlp({})));
  for (const activation of ['elu', 'selu', 'tanh', 'sigmoid', 'swish']) {
    it(`mlp on iris with ${activation}`, () => check(`mlp ${activation}`, 'iris', mlp({ layers: 1, activation })));
  }
  it('mlp regression on diabetes (linear output)', () => check('mlp regression', 'diabetes', mlp({ activation: 'elu' })));
  it('mlp on digits images (flatten)', () => check('mlp on images', 'digits', mlp({ layers: 1 })));
  it('cnn on digits: 3x3 kernels, max pooling, dense head', () => check('cnn max k3', 'digits', cnn({})));
  it('cnn on digits: even kernel, average pooling, three blocks, no dense layer', () =>
    check('cnn avg k2', 'digits', cnn({ blocks: 3, kernel: 2, pooling: 'avg', dense: 0, activation: 'swish', dropout: 0 })));
  it('lstm stack on seattle-weather', () => check('lstm x2', 'seattle-weather', rnn({ layers: 2 })));
  it('gru on seattle-weather', () => check('gru', 'seattle-weather', rnn({ cell: 'gru' })));
  it('bidirectional lstm on seattle-weather', () => check('bi-lstm', 'seattle-weather', rnn({ bidirectional: true, units: 6 })));
  it('bidirectional gru stack on seattle-weather', () => check('bi-gru x2', 'seattle-weather', rnn({ cell: 'gru', layers: 2, bidirectional: true, units: 6 })));
  it('transformer (mean pooling) on seattle-weather', () => check('transformer mean', 'seattle-weather', transformer({})));
  it('transformer (last step) on seattle-weather', () => check('transformer last', 'seattle-weather', transformer({ layers: 1, heads: 3, headDim: 2, ffDim: 8, pooling: 'last' })));
});

describe('ONNX model file', () => {
  const arch: Architecture = {
    family: 'mlp',
    inputShape: [4],
    layers: [
      { type: 'dense', units: 3, activation: 'relu' },
      { type: 'dense', units: 2, activation: 'softmax' },
    ],
  };
  const weights = [
    { name: 'dense_1/kernel', shape: [4, 3], values: new Float32Array(12).fill(0.5) },
    { name: 'dense_1/bias', shape: [3], values: new Float32Array(3) },
    { name: 'output/kernel', shape: [3, 2], values: Float32Array.of(1, -1, 0, 2, 1, 0) },
    { name: 'output/bias', shape: [2], values: Float32Array.of(0.1, -0.1) },
  ];

  it('declares the opset, a batch-symbolic input and output, and the metadata given', () => {
    const decoded = decodeOnnxModel(exportOnnx(arch, weights, { modelVersion: 3, metadata: { name: 'iris' } }));
    // The default domain is the empty string, which protobuf leaves unwritten.
    expect(decoded.opsetImport).toEqual([{ version: ONNX_OPSET }]);
    expect(decoded.producerName).toBe('modelsmith');
    expect(decoded.modelVersion).toBe(3);
    expect(decoded.metadataProps).toEqual([{ key: 'name', value: 'iris' }]);
    expect(decoded.graph.input[0]?.name).toBe(ONNX_INPUT);
    expect(decoded.graph.input[0]?.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 4 }]);
    expect(decoded.graph.output[0]?.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 2 }]);
    expect(decoded.graph.node.map((n) => n.opType)).toEqual(['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Softmax', 'Identity']);
    expect(decoded.graph.initializer).toHaveLength(4);
  });

  it('names the layer it cannot lower', () => {
    const future = { ...arch, layers: [arch.layers[0], { type: 'attentionPool', heads: 2 } as unknown as LayerSpec, arch.layers[1]] } as Architecture;
    expect(onnxSupport(future)).toEqual({ supported: false, reason: expect.stringMatching(/^layer 2 \(attentionPool\) has no ONNX lowering/) });
    expect(() => exportOnnx(future, weights)).toThrow(OnnxExportError);
    expect(() => exportOnnx(future, weights)).toThrow(/layer 2 \(attentionPool\)/);
    const badShape: Architecture = { family: 'cnn', inputShape: [4], layers: [{ type: 'conv2d', filters: 2, kernel: 3, activation: 'relu' }] };
    expect(onnxSupport(badShape)).toEqual({ supported: false, reason: expect.stringMatching(/layer 1 \(conv2d\) needs a rank-3 input/) });
  });

  it('refuses weights that do not fit the architecture', () => {
    expect(() => exportOnnx(arch, weights.slice(0, 3))).toThrow(/layer 2 \(dense\): missing weight bias/);
    expect(() => exportOnnx(arch, [...weights, weights[0] as (typeof weights)[0]])).toThrow(/uses 4 weights but 5 were given/);
    expect(() => exportOnnx(arch, [weights[1], weights[0], weights[2], weights[3]] as typeof weights)).toThrow(/expected its kernel weight, got dense_1\/bias/);
    const unnamed = weights.map(({ shape, values }) => ({ shape, values }));
    expect(() => exportOnnx(arch, [unnamed[0], unnamed[2], unnamed[1], unnamed[3]] as typeof unnamed)).toThrow(/has shape \[3, 2\], expected \[3\]/);
  });
});
