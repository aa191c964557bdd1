/**
 * WriteEdgeBundle on the embedded store (dynalite metadata, files in the S3 layout): a
 * registered version becomes tfjs files at three precisions, model.onnx, preprocessing
 * and a manifest whose schema, metrics and file sizes match what was written; the files
 * load and predict like the version's own model.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEdgeBundle, type EdgeManifest } from '../../src/app/edge-bundle.js';
import { loadModel, saveModel } from '../../src/app/model-artifacts.js';
import type { Services } from '../../src/app/services.js';
import { NotFoundError } from '../../src/core/errors.js';
import { loadBundle, type LayersModelJson } from '../../src/core/export/tfjs-bundle.js';
import { estimateCost } from '../../src/core/models/cost.js';
import type { Assignment } from '../../src/core/space/space.js';
import { artifactKeys } from '../../src/ports/artifact-store.js';
import type { LocalStore } from '../../src/runtime/local/store.js';
import { maxAbsDifference, prepareExample, tfjsPredictions, trainedModel, type PreparedExample } from '../core/export/examples.js';
import { assignment } from '../core/models/fixtures.js';
import { localTestServices, type LocalTestServices } from '../support/local-services.js';

let local: LocalTestServices;
let store: LocalStore;
let services: Services;

beforeAll(async () => {
  local = await localTestServices({ backend: 'auto', clock: () => new Date('2030-01-02T03:04:05.000Z') });
  ({ store, services } = local);
});
afterAll(() => local.close());

const TEST_METRICS = { accuracy: 0.9, logLoss: 0.3 };
const CV_METRICS = { accuracy: 0.92, logLoss: 0.28 };

/** Train a model briefly and register it as a version the way RegisterVersion lays it out. */
async function registerTrained(name: string, dataset: string, assigned: Assignment, files: { architecture: boolean }): Promise<number> {
  const example = prepareExample(dataset);
  const { architecture, model } = await trainedModel(example, assigned, 3, 1);
  const cost = estimateCost(architecture);
  const record = await store.metadata.registerModelVersion({
    name,
    searchId: `search-${name}`,
    trial: 4,
    createdAt: '2030-01-01T00:00:00.000Z',
    stage: 'none',
    family: architecture.family,
    assignment: assigned,
    metrics: CV_METRICS,
    testMetrics: TEST_METRICS,
    cost,
    artifactPrefix: '',
    files: {},
  });
  const prefix = artifactKeys.modelVersion(name, record.version);
  try {
    await saveModel(store.artifacts, prefix, model);
  } finally {
    model.dispose();
  }
  await store.artifacts.put(`${prefix}preprocessor.json`, JSON.stringify(example.preprocessor, null, 2));
  if (files.architecture) await store.artifacts.put(`${prefix}architecture.json`, JSON.stringify({ ...architecture, cost }, null, 2));
  await store.metadata.updateModelVersion(name, record.version, { artifactPrefix: prefix });
  return record.version;
}

async function read(key: string): Promise<Uint8Array> {
  const body = await store.artifacts.get(key);
  if (!body) throw new Error(`missing ${key}`);
  return body;
}

async function readJson<T>(key: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await read(key))) as T;
}

/** The manifest lists exactly the files written, with their sizes. */
async function expectFilesListed(prefix: string, manifest: EdgeManifest): Promise<void> {
  const keys = await store.artifacts.list(prefix);
  expect(keys.map((k) => k.slice(prefix.length)).sort()).toEqual([...manifest.files.map((f) => f.path), 'manifest.json'].sort());
  for (const file of manifest.files) expect((await read(`${prefix}${file.path}`)).length).toBe(file.bytes);
  expect(await readJson(`${prefix}manifest.json`)).toEqual(manifest);
}

/** The stored ONNX file and tfjs variants predict like the version's model. */
async function expectSamePredictions(prefix: string, manifest: EdgeManifest, versionPrefix: string, example: PreparedExample): Promise<string[]> {
  const original = await loadModel(store.artifacts, versionPrefix);
  const expected = tfjsPredictions(example, original);
  original.dispose();
  const report: string[] = [];
  if (manifest.formats.onnx.file) {
    const session = await ort.InferenceSession.create(await read(`${prefix}${manifest.formats.onnx.file}`));
    const input = new ort.Tensor('float32', example.test.x, [example.test.count, ...example.dataShape.inputShape]);
    const output = (await session.run({ [manifest.input.tensor.name]: input }))[manifest.output.tensor.name];
    await session.release();
    const difference = maxAbsDifference(output?.data as Float32Array, expected);
    report.push(`onnx ${difference.toExponential(2)}`);
    expect(difference).toBeLessThan(1e-4);
  }
  for (const variant of manifest.formats.tfjs) {
    const loaded = await loadBundle(await readJson<LayersModelJson>(`${prefix}${variant.modelJson}`), await read(`${prefix}${variant.weights}`));
    const difference = maxAbsDifference(tfjsPredictions(example, loaded), expected);
    loaded.dispose();
    report.push(`${variant.precision} ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual({ float32: 0, float16: 2e-3, uint8: 2e-2 }[variant.precision]);
  }
  return report;
}

describe('WriteEdgeBundle', () => {
  it('bundles a tabular classifier with ONNX, three tfjs precisions, preprocessing and its schema', async () => {
    const version = await registerTrained('iris-edge', 'iris', assignment('mlp', { layers: 2, units: 16, dropout: 0.1, activation: 'relu' }), { architecture: true });
    const result = await writeEdgeBundle(services, { name: 'iris-edge', version });
    const prefix = artifactKeys.deployment('iris-edge', version);
    expect(result.prefix).toBe(prefix);
    const { manifest } = result;
    expect(manifest).toMatchObject({
      format: 'modelsmith.edge-bundle/1',
      name: 'iris-edge',
      version,
      family: 'mlp',
      searchId: 'search-iris-edge',
      trial: 4,
      registeredAt: '2030-01-01T00:00:00.000Z',
      bundledAt: '2030-01-02T03:04:05.000Z',
      metrics: { crossValidation: CV_METRICS, test: TEST_METRICS },
      formats: { onnx: { file: 'model.onnx', opset: 17 }, preprocessor: 'preprocessor.json' },
    });
    expect(manifest.input.kind).toBe('tabular');
    expect(manifest.input.tensor).toEqual({ name: 'input', dtype: 'float32', shape: ['batch', 4], layout: 'features' });
    expect(manifest.input.columns.map((c) => [c.name, c.type])).toEqual([
      ['sepal_length', 'numeric'],
      ['sepal_width', 'numeric'],
      ['petal_length', 'numeric'],
      ['petal_width', 'numeric'],
    ]);
    expect(manifest.output).toEqual({
      tensor: { name: 'output', dtype: 'float32', shape: ['batch', 3] },
      task: 'classification',
      target: 'species',
      classes: ['setosa', 'versicolor', 'virginica'],
    });
    expect(manifest.formats.tfjs.map((t) => [t.precision, t.modelJson, t.weights])).toEqual([
      ['float32', 'tfjs/float32/model.json', 'tfjs/float32/weights.bin'],
      ['float16', 'tfjs/float16/model.json', 'tfjs/float16/weights.bin'],
      ['uint8', 'tfjs/uint8/model.json', 'tfjs/uint8/weights.bin'],
    ]);
    expect(manifest.formats.tfjs[0]?.maxWeightError).toBe(0);
    const sizes = Object.fromEntries(manifest.files.map((f) => [f.path, f.bytes]));
    expect(sizes['tfjs/float16/weights.bin']).toBe((sizes['tfjs/float32/weights.bin'] as number) / 2);
    expect(sizes['tfjs/uint8/weights.bin']).toBe((sizes['tfjs/float32/weights.bin'] as number) / 4);
    // The preprocessing is the version's own, byte for byte.
    const versionPrefix = artifactKeys.modelVersion('iris-edge', version);
    expect(await read(`${prefix}preprocessor.json`)).toEqual(await read(`${versionPrefix}preprocessor.json`));
    await expectFilesListed(prefix, manifest);
    console.info(`iris edge bundle max |prediction difference| vs the version's model: ${(await expectSamePredictions(prefix, manifest, versionPrefix, prepareExample('iris'))).join(', ')}`);
  });

  it('describes a sequence model: window, horizon, categorical columns; ONNX for a recurrent family', async () => {
    const assigned = assignment('rnn', { cell: 'gru', layers: 1, units: 8, bidirectional: true, dropout: 0 });
    const version = await registerTrained('weather-edge', 'seattle-weather', assigned, { architecture: true });
    const { manifest, prefix } = await writeEdgeBundle(services, { name: 'weather-edge', version });
    expect(manifest.input).toMatchObject({ kind: 'sequence', window: 7, horizon: 1, tensor: { shape: ['batch', 7, 9], layout: 'steps-features' } });
    // The day's weather is an input too: one-hot over the categories in the preprocessor's order.
    const example = prepareExample('seattle-weather');
    const classes = example.problem.classes;
    expect([...classes].sort()).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    const encoder = example.preprocessor.features.find((f) => f.column === 'weather');
    expect(encoder?.kind).toBe('onehot');
    const levels = encoder?.kind === 'onehot' ? encoder.levels : [];
    expect([...levels].sort()).toEqual([...classes].sort());
    expect(manifest.input.columns.find((c) => c.name === 'weather')).toEqual({ name: 'weather', type: 'categorical', categories: levels, fill: expect.any(String) });
    expect(manifest.input.columns.map((c) => c.name)).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind', 'weather']);
    expect(manifest.output.classes).toEqual(classes);
    expect(manifest.formats.onnx).toMatchObject({ file: 'model.onnx' });
    await expectFilesListed(prefix, manifest);
    const differences = await expectSamePredictions(prefix, manifest, artifactKeys.modelVersion('weather-edge', version), example);
    console.info(`seattle-weather edge bundle max |prediction difference|: ${differences.join(', ')}`);
  });

  it('describes an image model: NHWC shape and pixel columns; ONNX for a convolutional family', async () => {
    const assigned = assignment('cnn', { blocks: 2, filters: 4, kernel: 3, activation: 'relu', pooling: 'avg', dense: 8, dropout: 0.1 });
    const version = await registerTrained('digits-edge', 'digits', assigned, { architecture: true });
    const { manifest, prefix } = await writeEdgeBundle(services, { name: 'digits-edge', version });
    expect(manifest.input).toMatchObject({ kind: 'image', tensor: { shape: ['batch', 8, 8, 1], layout: 'NHWC' } });
    expect(manifest.input.columns).toHaveLength(64);
    expect(manifest.input.columns[9]).toEqual({ name: 'px9', type: 'numeric', center: 0, scale: 16, fill: expect.any(Number) });
    expect(manifest.output).toMatchObject({ task: 'classification', target: 'digit', tensor: { shape: ['batch', 10] } });
    expect(manifest.formats.onnx).toMatchObject({ file: 'model.onnx' });
    await expectFilesListed(prefix, manifest);
    const differences = await expectSamePredictions(prefix, manifest, artifactKeys.modelVersion('digits-edge', version), prepareExample('digits'));
    console.info(`digits edge bundle max |prediction difference|: ${differences.join(', ')}`);
  });

  it('leaves ONNX out, saying why, when the version cannot be exported', async () => {
    const version = await registerTrained('iris-no-arch', 'iris', assignment('mlp', { layers: 1, units: 4, dropout: 0, activation: 'tanh' }), { architecture: false });
    const { manifest, prefix } = await writeEdgeBundle(services, { name: 'iris-no-arch', version });
    expect(manifest.formats.onnx).toEqual({ file: null, reason: 'the version has no architecture.json, which the ONNX exporter reads' });
    expect(await store.artifacts.get(`${prefix}model.onnx`)).toBeUndefined();
    expect(manifest.formats.tfjs).toHaveLength(3);
    await expectFilesListed(prefix, manifest);

    // An architecture naming a layer the exporter does not know: the reason names the layer.
    const versionPrefix = artifactKeys.modelVersion('iris-no-arch', version);
    const future = { family: 'mlp', inputShape: [4], layers: [{ type: 'dense', units: 4, activation: 'tanh' }, { type: 'gatedResidual', units: 4 }, { type: 'dense', units: 3, activation: 'softmax' }] };
    await store.artifacts.put(`${versionPrefix}architecture.json`, JSON.stringify(future));
    const again = await writeEdgeBundle(services, { name: 'iris-no-arch', version });
    expect(again.manifest.formats.onnx).toEqual({ file: null, reason: expect.stringMatching(/^layer 2 \(gatedResidual\) has no ONNX lowering/) });
  });

  it('refuses versions that do not exist', async () => {
    await expect(writeEdgeBundle(services, { name: 'iris-edge', version: 99 })).rejects.toThrow(NotFoundError);
    await expect(writeEdgeBundle(services, { name: 'nothing', version: 1 })).rejects.toThrow(/model nothing has no version 1/);
    await expect(writeEdgeBundle(services, { name: 'iris-edge', version: 0 })).rejects.toThrow();
  });
});
