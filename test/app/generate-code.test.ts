/**
 * GenerateVersionCode through the use cases, on the embedded store (dynalite metadata,
 * artifacts on disk): registering a version stores its generated code beside its
 * artifacts and records the files on the version; generating again rewrites the same
 * files; and the stored code, pointed at the version's own model.json, predicts what the
 * registered model predicts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext, parseTable } from '../../src/app/context.js';
import { CODE_FOLDER, generateVersionCode } from '../../src/app/generate-code.js';
import { loadModel } from '../../src/app/model-artifacts.js';
import { proposeTrial } from '../../src/app/propose-trial.js';
import { registerVersion } from '../../src/app/register-version.js';
import { runTrial } from '../../src/app/run-trial.js';
import type { Services } from '../../src/app/services.js';
import { startSearch } from '../../src/app/start-search.js';
import { trainFinalModel } from '../../src/app/train-final-model.js';
import { encodeExamples, type Preprocessor } from '../../src/core/data/preprocess.js';
import { NotFoundError } from '../../src/core/errors.js';
import { predict } from '../../src/core/training/train.js';
import type { LocalStore } from '../../src/runtime/local/store.js';
import { exec, findPython, linkNodeModules, readPredictions, TSX } from '../core/codegen/support.js';
import { DATASETS, irisSpecInput } from '../helpers.js';
import { localTestServices, type LocalTestServices } from '../support/local-services.js';

const NAME = 'iris-code';
const PREFIX = `models/${NAME}/versions/1/`;
const TARGET_FILES = {
  keras: ['README.md', 'model.py', 'predict.py', 'preprocessing.py', 'requirements.txt', 'train.py'],
  pytorch: ['README.md', 'model.py', 'predict.py', 'preprocessing.py', 'requirements.txt', 'train.py'],
  tfjs: ['README.md', 'model.ts', 'package.json', 'predict.ts', 'preprocessing.ts', 'train.ts', 'tsconfig.json'],
};
const CODE_FILES = [
  'README.md',
  'preprocessing.json',
  ...Object.entries(TARGET_FILES).flatMap(([target, files]) => files.map((f) => `${target}/${f}`)),
].map((f) => `${CODE_FOLDER}${f}`);

const torchPython = findPython(['torch', 'numpy']);
if (!torchPython) console.warn('SKIPPED: the stored PyTorch code is not run: no python3 with torch and numpy on the PATH.');

let local: LocalTestServices;
let home: string;
let store: LocalStore;
let services: Services;

beforeAll(async () => {
  // Stored TypeScript resolves @tensorflow/tfjs from the folder, as from an installed project.
  local = await localTestServices({ backend: 'cpu', prepare: linkNodeModules });
  ({ home, store, services } = local);
  const spec = irisSpecInput({
    name: NAME,
    evaluation: { folds: 2, patience: 4 },
    space: { family: 'mlp', learningRate: 0.02, epochs: 15, mlp: { layers: 1, units: 8, dropout: 0.1 } },
    budget: { maxTrials: 1, maxParallel: 1 },
  } as never);
  await startSearch(services, { searchId: 'code', spec, source: 'inline', base: DATASETS });
  await proposeTrial(services, { searchId: 'code', run: 1, lane: 0 });
  await runTrial(services, { searchId: 'code', number: 0 });
  await trainFinalModel(services, { searchId: 'code' });
  await registerVersion(services, { searchId: 'code' });
}, 180_000);

afterAll(() => local.close());

const text = async (key: string) => new TextDecoder().decode(await store.artifacts.get(key));

describe('GenerateVersionCode', () => {
  it("stores the code with the version's artifacts when the version is registered, and records its files", async () => {
    const keys = await store.artifacts.list(PREFIX);
    expect(keys.filter((k) => k.startsWith(`${PREFIX}${CODE_FOLDER}`)).sort()).toEqual(CODE_FILES.map((f) => PREFIX + f).sort());
    const [version] = await store.metadata.listModelVersions(NAME);
    expect(Object.keys(version?.files ?? {}).sort()).toEqual(keys.map((k) => k.slice(PREFIX.length)).sort());
    expect(Object.keys(version?.files ?? {})).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'preprocessor.json', ...CODE_FILES]));

    // The shared parameters are the version's fitted preprocessing; the code trains as the version was trained.
    const preprocessor = JSON.parse(await text(`${PREFIX}preprocessor.json`)) as Preprocessor;
    const document = JSON.parse(await text(`${PREFIX}${CODE_FOLDER}preprocessing.json`)) as Record<string, unknown>;
    expect(document).toMatchObject({ model: { name: NAME, version: 1 }, features: preprocessor.features, target: preprocessor.target, inputShape: [4] });
    const search = await store.metadata.getSearch('code');
    const train = await text(`${PREFIX}${CODE_FOLDER}pytorch/train.py`);
    expect(train).toContain(`EPOCHS = ${search && 'final' in search ? search.final?.epochs : -1}  #`);
    expect(train).toContain('LEARNING_RATE = 0.02\n');
    expect(train).toContain('PATIENCE = 4  #');
    expect(await text(`${PREFIX}${CODE_FOLDER}pytorch/model.py`)).toContain('nn.Linear(4, 8),');
  });

  it('regenerates the same files for a registered version, and refuses an unknown one', async () => {
    const before = await Promise.all(CODE_FILES.map((f) => text(PREFIX + f)));
    const output = await generateVersionCode(services, { name: NAME, version: 1 });
    expect(output).toEqual({ name: NAME, version: 1, prefix: `${PREFIX}${CODE_FOLDER}`, files: [...CODE_FILES].sort() });
    expect(await Promise.all(CODE_FILES.map((f) => text(PREFIX + f)))).toEqual(before);
    const [version] = await store.metadata.listModelVersions(NAME);
    expect(Object.keys(version?.files ?? {})).toEqual(expect.arrayContaining(['model.json', ...CODE_FILES]));
    await expect(generateVersionCode(services, { name: NAME, version: 9 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(generateVersionCode(services, { name: 'no-such-model', version: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("predicts what the registered model predicts, from the version's stored model.json", async () => {
    const search = await store.metadata.getSearch('code');
    if (!search || !('spec' in search) || !search.spec) throw new Error('the search is missing');
    const data = join(DATASETS, 'iris.csv');
    const context = buildContext(search.spec, data, parseTable(await readFile(data, 'utf8'), data));
    const preprocessor = JSON.parse(await text(`${PREFIX}preprocessor.json`)) as Preprocessor;
    const model = await loadModel(store.artifacts, PREFIX);
    const encoded = encodeExamples(preprocessor, context.problem, context.problem.examples);
    const expected = predict(model, encoded, preprocessor.inputShape);
    model.dispose();

    const check = async (csvPath: string) => {
      const { header, rows } = readPredictions(await readFile(csvPath, 'utf8'));
      expect(header).toEqual(['row', 'prediction', 'probability:setosa', 'probability:versicolor', 'probability:virginica']);
      expect(rows).toHaveLength(150);
      rows.forEach((row, i) => row.slice(2).forEach((p, c) => expect(Number(p)).toBeCloseTo(expected[i * 3 + c] as number, 4)));
    };
    const code = join(store.artifactsRoot, PREFIX, CODE_FOLDER);
    // Run where the stored code is, with the defaults its README documents (../preprocessing.json, ../../model.json).
    await exec(TSX, ['predict.ts', '--data', data, '--weights', '../../model.json', '--output', join(home, 'ts.csv')], join(code, 'tfjs'));
    await check(join(home, 'ts.csv'));
    if (torchPython) {
      await exec(torchPython, ['predict.py', '--data', data, '--tfjs-model', '../../model.json', '--output', join(home, 'py.csv')], join(code, 'pytorch'));
      await check(join(home, 'py.csv'));
    }
  }, 120_000);
});
