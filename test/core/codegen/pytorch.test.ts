/**
 * The generated PyTorch code, run with a python3 that has torch: it counts exactly the
 * parameters of modelsmith's tfjs model for every layer type, reproduces that model's
 * predictions from its saved weights (so preprocessing, layer order, weight layouts and
 * every layer's arithmetic agree), and, trained from scratch on iris with the same
 * hyperparameters and split, scores what modelsmith's own model scores.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTable } from '../../../src/app/context.js';
import { describeProblem, generateCode } from '../../../src/core/codegen/index.js';
import { planEvaluation } from '../../../src/core/data/plan.js';
import { defineProblem, dataShapeOf } from '../../../src/core/data/problem.js';
import { describeArchitecture } from '../../../src/core/models/architecture.js';
import { buildModel } from '../../../src/core/models/build.js';
import { fitFinalModel } from '../../../src/core/training/evaluate.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { tempDir } from '../../helpers.js';
import {
  checkJobs,
  compareWrittenPredictions,
  examples,
  exec,
  findPython,
  irisAccuracy,
  prepare,
  readPredictions,
  readSummary,
  tableCsv,
  writeExamples,
  writeFiles,
  type WrittenExample,
} from './support.js';

const python = findPython(['torch', 'numpy']);
if (!python) {
  console.warn(
    'SKIPPED: the generated PyTorch code is not run: no python3 on the PATH can import torch and numpy ' +
      '(install python3-torch, or point MODELSMITH_PYTHON at an interpreter that has them).',
  );
}
const withTorch = it.skipIf(!python);

let home: Awaited<ReturnType<typeof tempDir>>;
let cases: WrittenExample[] = [];

beforeAll(async () => {
  await initBackend('cpu');
  home = await tempDir();
  if (!python) return;
  cases = await writeExamples(home.path);
  // One interpreter runs every script: importing torch once keeps this test quick.
  await exec(python, [join(import.meta.dirname, 'run_scripts.py'), JSON.stringify(checkJobs(cases, 'pytorch'))], home.path);
}, 600_000);

afterAll(async () => {
  for (const { model } of cases) model.dispose();
  await home.cleanup();
});

describe('generated PyTorch code', () => {
  withTorch('has exactly the parameter count of the tfjs model, for every layer type (needs python3 with torch)', async () => {
    for (const { prepared, dir, model } of cases) {
      const printed = (await readSummary(dir)).printed as { parameters: number; expected: number };
      expect({ example: prepared.example.key, parameters: printed.parameters }).toEqual({
        example: prepared.example.key,
        parameters: model.countParams(),
      });
      expect(printed.expected).toBe(model.countParams());
    }
    const types = new Set(cases.flatMap(({ prepared }) => prepared.architecture.layers.map((l) => l.type)));
    expect([...types].sort()).toEqual(
      ['conv2d', 'dense', 'dropout', 'flatten', 'pool2d', 'positionalEncoding', 'recurrent', 'sequencePool', 'transformerEncoder'].sort(),
    );
  });

  withTorch("reproduces modelsmith's predictions from the version's tfjs weights (needs python3 with torch)", async () => {
    for (const written of cases) {
      const { prepared } = written;
      const { compared, worst } = await compareWrittenPredictions(written, 2e-4);
      expect(compared, prepared.example.key).toBe(prepared.problem.examples.length);
      expect(worst, prepared.example.key).toBeLessThanOrEqual(2e-4);
    }
  });

  withTorch("trained on iris with the version's hyperparameters, scores what modelsmith's model scores (needs python3 with torch)", async () => {
    const csv = await readFile(join(import.meta.dirname, '../../../examples/datasets/iris.csv'), 'utf8');
    const table = parseTable(csv, 'iris.csv');
    const problem = defineProblem(table, { uri: 'iris.csv', target: 'species', kind: 'tabular', horizon: 1 } as never, 'classification');
    // A 40% test split: 60 held-out flowers, so one mistake moves accuracy by 0.017.
    const plan = planEvaluation(problem, { folds: 2, testFraction: 0.4, validationFraction: 0.1, patience: 5 }, 7);
    const assignment = {
      family: 'mlp',
      learningRate: 0.01,
      batchSize: 16,
      optimizer: 'adam',
      epochs: 60,
      'mlp.layers': 1,
      'mlp.units': 16,
      'mlp.dropout': 0,
      'mlp.activation': 'relu',
    };
    const architecture = describeArchitecture(assignment, dataShapeOf(problem));
    // modelsmith's own final refit: all development rows, fixed epochs, scored once on the test rows.
    const final = await fitFinalModel({ problem, plan, architecture, assignment, bestEpochs: [60], seed: 11 });
    final.model.dispose();
    const tfjsAccuracy = final.testMetrics['accuracy'] as number;

    const dir = join(home.path, 'iris-training');
    await writeFiles(
      dir,
      generateCode({
        model: { name: 'iris', version: 1 },
        architecture,
        training: { optimizer: 'adam', learningRate: 0.01, batchSize: 16, epochs: final.epochs, maxEpochs: 60, patience: 5, validationFraction: 0.1, seed: 11 },
        preprocessor: final.preprocessor,
        problem: describeProblem(final.preprocessor),
      }),
    );
    const train = join(dir, 'train.csv');
    const test = join(dir, 'test.csv');
    await writeFile(train, tableCsv(table, plan.development));
    await writeFile(test, tableCsv(table, plan.test));
    const code = join(dir, 'pytorch');
    const trained = await exec(python as string, ['train.py', '--data', train, '--output', join(dir, 'trained')], code);
    expect(trained.stdout).toContain(`epoch ${final.epochs}/${final.epochs}`);
    await exec(python as string, ['predict.py', '--data', test, '--weights', join(dir, 'trained', 'model.pt'), '--output', join(dir, 'predictions.csv')], code);

    const { rows } = readPredictions(await readFile(join(dir, 'predictions.csv'), 'utf8'));
    expect(rows.map((row) => Number(row[0]))).toEqual(Array.from(plan.test, (_, i) => i));
    const torchAccuracy = irisAccuracy(table, plan.test, rows);

    console.info(`iris test accuracy: modelsmith (tfjs) ${tfjsAccuracy.toFixed(3)}, generated PyTorch ${torchAccuracy.toFixed(3)}`);
    expect(tfjsAccuracy).toBeGreaterThan(0.85); // the comparison is only meaningful for a model that learned
    expect(Math.abs(torchAccuracy - tfjsAccuracy)).toBeLessThanOrEqual(0.05);
  });

  it('builds the reference models it compares against', () => {
    // Guards the fixtures themselves, with or without torch: every example builds in tfjs.
    return examples().then((all) => {
      for (const example of all) {
        const prepared = prepare(example);
        const model = buildModel(prepared.architecture, 1);
        expect(model.countParams()).toBeGreaterThan(0);
        model.dispose();
      }
    });
  });
});
