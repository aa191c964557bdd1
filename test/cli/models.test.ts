/**
 * The registry end to end on the embedded default: two searches register versions 1 and 2,
 * the CLI promotes and rolls back, and `serve` answers over HTTP with exactly the
 * predictions of the stored model scored in process — following production as it moves.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LocalDatasetSource } from '../../src/adapters/filesystem/dataset-source.js';
import { loadModel } from '../../src/app/model-artifacts.js';
import type { Services } from '../../src/app/services.js';
import { main } from '../../src/cli/main.js';
import { encodeRows, type Preprocessor } from '../../src/core/data/preprocess.js';
import { parseCsv } from '../../src/core/data/table.js';
import { loadBundle } from '../../src/core/export/index.js';
import { initBackend } from '../../src/runtime/backend.js';
import * as ort from 'onnxruntime-node';
import { runLocalSearch } from '../../src/runtime/local/engine.js';
import { startPredictionServer, type PredictionServer } from '../../src/runtime/local/prediction-server.js';
import { openLocalStore, type LocalStore } from '../../src/runtime/local/store.js';
import { assembleServices } from '../../src/runtime/services.js';
import { DATASETS, tempDir } from '../helpers.js';

let home: Awaited<ReturnType<typeof tempDir>>;
let store: LocalStore;
let services: Services;
let server: PredictionServer;
const irisRows = parseCsv(await readFile(join(DATASETS, 'iris.csv'), 'utf8'), 'iris.csv');
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
/** Eight rows across the classes, as a client would send them. */
const instances = [0, 20, 45, 60, 80, 99, 110, 140].map((r) =>
  Object.fromEntries(FEATURES.map((name) => [name, (irisRows.columns.find((c) => c.name === name) as { values: Float64Array }).values[r]])),
);

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--home', join(home.path, 'home')], { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function search(seed: number, units: number): Promise<void> {
  const path = join(home.path, `iris-${seed}.yaml`);
  await writeFile(
    path,
    stringify({
      name: 'iris-served',
      task: 'classification',
      dataset: { uri: join(DATASETS, 'iris.csv'), target: 'species' },
      evaluation: { folds: 2, patience: 3 },
      space: { family: 'mlp', learningRate: 0.02, batchSize: 16, epochs: 6 + seed, mlp: { layers: 1, units, dropout: 0 } },
      budget: { maxTrials: 1, maxParallel: 1 },
      seed,
    }),
  );
  const result = await runLocalSearch(path, { home: join(home.path, 'home'), dataRoots: [DATASETS] });
  expect(result.search.status).toBe('succeeded');
}

/** What the stored model of a version predicts, computed without the serving code. */
async function storedPredictions(version: number): Promise<number[][]> {
  const prefix = `models/iris-served/versions/${version}/`;
  const model = await loadModel(services.artifacts, prefix);
  const pre = JSON.parse(new TextDecoder().decode((await services.artifacts.get(`${prefix}preprocessor.json`)) as Uint8Array)) as Preprocessor;
  const x = encodeRows(pre, irisRows, Int32Array.from([0, 20, 45, 60, 80, 99, 110, 140]));
  const out = tf.tidy(() => (model.predict(tf.tensor(x, [8, 4])) as tf.Tensor).arraySync() as number[][]);
  model.dispose();
  return out;
}

async function served(): Promise<{ version: number; probabilities: number[][] }> {
  const response = await fetch(`${server.url}/models/iris-served/predict`, { method: 'POST', body: JSON.stringify({ instances }) });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { version: number; predictions: { label: string; probabilities: Record<string, number> }[] };
  return { version: body.version, probabilities: body.predictions.map((p) => ['setosa', 'versicolor', 'virginica'].map((c) => p.probabilities[c] as number)) };
}

beforeAll(async () => {
  home = await tempDir();
  await initBackend('auto');
  await search(1, 4);
  await search(2, 16);
  store = await openLocalStore(join(home.path, 'home'));
  services = assembleServices({ metadata: store.metadata, artifacts: store.artifacts, events: store.events, datasets: new LocalDatasetSource([]), backend: 'cpu' });
  server = await startPredictionServer({ services, name: 'iris-served', port: 0 });
}, 180_000);
afterAll(async () => {
  await server?.close();
  await store?.close();
  await home?.cleanup();
});

describe('registry and serving, locally', () => {
  it('lists the versions two searches registered', async () => {
    const list = await cli('models', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toContain('iris-served  latest 2  production -  staging -');
    const versions = await cli('models', 'versions', 'iris-served', '--json');
    expect(JSON.parse(versions.out).map((v: { version: number; stage: string }) => `${v.version}:${v.stage}`)).toEqual(['1:none', '2:none']);
  });

  it('wrote each registered version\'s edge bundle as the search finished', async () => {
    for (const version of [1, 2]) {
      const manifest = JSON.parse(new TextDecoder().decode((await services.artifacts.get(`deployments/iris-served/${version}/manifest.json`)) as Uint8Array));
      expect(manifest).toMatchObject({ name: 'iris-served', version, formats: { onnx: { file: 'model.onnx' } } });
      expect(manifest.formats.tfjs.map((t: { precision: string }) => t.precision)).toEqual(['float32', 'float16', 'uint8']);
    }
  });

  it('serves production as promotions and rollbacks move it', async () => {
    const none = await fetch(`${server.url}/models/iris-served/predict`, { method: 'POST', body: JSON.stringify({ instances }) });
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/no production version/);

    expect((await cli('models', 'promote', 'iris-served', '1', '--stage', 'production')).out).toContain('version 1 is production');
    const first = await served();
    expect(first.version).toBe(1);
    const stored1 = await storedPredictions(1);
    first.probabilities.forEach((row, i) => row.forEach((p, c) => expect(p).toBeCloseTo(stored1[i]?.[c] as number, 6)));

    expect((await cli('models', 'promote', 'iris-served', '2')).out).toContain('version 2 is production (was version 1)');
    const second = await served();
    expect(second.version).toBe(2);
    const stored2 = await storedPredictions(2);
    second.probabilities.forEach((row, i) => row.forEach((p, c) => expect(p).toBeCloseTo(stored2[i]?.[c] as number, 6)));
    // Different models: the answers changed with the promotion.
    expect(Math.max(...second.probabilities.flat().map((p, i) => Math.abs(p - (first.probabilities.flat()[i] as number))))).toBeGreaterThan(1e-3);

    const stages = async () => JSON.parse(new TextDecoder().decode((await services.artifacts.get('deployments/iris-served/stages.json')) as Uint8Array));
    expect((await stages()).production).toEqual({ version: 2, bundle: 'deployments/iris-served/2/' });
    const rolled = await cli('models', 'rollback', 'iris-served');
    expect(rolled.code).toBe(0);
    expect(rolled.out).toContain('version 1 is production (was version 2)');
    expect(await served()).toEqual(first);
    expect((await stages()).production.version).toBe(1);
  });

  it('answers bad requests with a clear error and keeps serving', async () => {
    const post = (body: string) => fetch(`${server.url}/models/iris-served/predict`, { method: 'POST', body });
    const cases: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      [JSON.stringify({ rows: [] }), /body.instances: required/],
      [JSON.stringify({ instances: [] }), /non-empty array/],
      [JSON.stringify({ instances: [{ ...instances[0], petal_length: 'long' }] }), /instances\[0\]\.petal_length: expected a number/],
      [JSON.stringify({ instances: [{ ...instances[0], petal_lenght: 1 }] }), /unknown column "petal_lenght"/],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(message) });
    }
    expect((await fetch(`${server.url}/models/other/predict`, { method: 'POST', body: '{}' })).status).toBe(404);
    // A missing value is imputed as in training rather than refused.
    const { petal_width: _dropped, ...partial } = instances[0] as Record<string, number>;
    expect((await post(JSON.stringify({ instances: [partial] }))).status).toBe(200);
    expect((await served()).version).toBe(1);
  });

  it('exports a version as ONNX and as quantized TensorFlow.js that predict like the stored model', async () => {
    const out = join(home.path, 'exported');
    const onnx = await cli('export', 'iris-served@2', '--format', 'onnx', '--out', join(out, 'onnx'), '--json');
    expect(onnx.code, onnx.err).toBe(0);
    expect(JSON.parse(onnx.out)).toMatchObject({ name: 'iris-served', version: 2, format: 'onnx' });
    const stored = await storedPredictions(2);
    const pre = JSON.parse(await readFile(join(out, 'onnx', 'preprocessor.json'), 'utf8')) as Preprocessor;
    const x = encodeRows(pre, irisRows, Int32Array.from([0, 20, 45, 60, 80, 99, 110, 140]));
    const session = await ort.InferenceSession.create(await readFile(join(out, 'onnx', 'model.onnx')));
    const result = await session.run({ input: new ort.Tensor('float32', x, [8, 4]) });
    const probabilities = result.output?.data as Float32Array;
    stored.flat().forEach((p, i) => expect(Math.abs((probabilities[i] as number) - p)).toBeLessThan(1e-4));

    const quantized = await cli('export', 'iris-served', '--quantize', 'uint8', '--out', join(out, 'uint8'));
    expect(quantized.out).toMatch(/exported iris-served version 2 as tfjs-uint8/);
    const modelJson = JSON.parse(await readFile(join(out, 'uint8', 'model.json'), 'utf8'));
    expect(modelJson.weightsManifest[0].weights[0].quantization.dtype).toBe('uint8');
    const model = await loadBundle(modelJson, new Uint8Array(await readFile(join(out, 'uint8', 'weights.bin'))));
    const predicted = tf.tidy(() => (model.predict(tf.tensor(x, [8, 4])) as tf.Tensor).arraySync() as number[][]);
    model.dispose();
    stored.flat().forEach((p, i) => expect(Math.abs((predicted.flat()[i] as number) - p)).toBeLessThan(0.02));

    const refused = await cli('export', 'iris-served', '--format', 'onnx', '--quantize', 'uint8');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--quantize applies to the tfjs format only/);
  });

  it('refuses impossible registry commands with exit code 2 or 1 and a reason', async () => {
    const missing = await cli('models', 'promote', 'iris-served', '9');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no version 9/);
    const badStage = await cli('models', 'promote', 'iris-served', '2', '--stage', 'live');
    expect(badStage.code).toBe(2);
    expect((await cli('models', 'versions', 'nope')).err).toMatch(/no model named nope/);
  });
});
