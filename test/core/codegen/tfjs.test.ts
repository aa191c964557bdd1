/**
 * The generated TensorFlow.js (TypeScript) code: it type-checks under strict settings
 * (noUncheckedIndexedAccess, noUnusedLocals, ...), builds a model with the tfjs model's
 * parameter count, reproduces modelsmith's predictions from the version's own model.json
 * and weights.bin, and trains from a CSV file to a useful model.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTable } from '../../../src/app/context.js';
import { GENERATED_TSCONFIG } from '../../../src/core/codegen/index.js';
import { planEvaluation } from '../../../src/core/data/plan.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { tempDir } from '../../helpers.js';
import {
  checkJobs,
  compareWrittenPredictions,
  exec,
  irisAccuracy,
  linkNodeModules,
  readPredictions,
  readSummary,
  tableCsv,
  TSC,
  TSX,
  writeExamples,
  type WrittenExample,
} from './support.js';

let home: Awaited<ReturnType<typeof tempDir>>;
let cases: WrittenExample[] = [];

beforeAll(async () => {
  await initBackend('cpu');
  home = await tempDir();
  await linkNodeModules(home.path);
  cases = await writeExamples(home.path);
}, 120_000);

afterAll(async () => {
  for (const { model } of cases) model.dispose();
  await home.cleanup();
});

describe('generated TensorFlow.js code', () => {
  it('type-checks with the strict settings of its tsconfig.json', async () => {
    for (const { dir } of cases) {
      expect(JSON.parse(await readFile(join(dir, 'tfjs', 'tsconfig.json'), 'utf8'))).toEqual(GENERATED_TSCONFIG);
    }
    // One compiler run over every example's project, with the generated settings.
    await writeFile(join(home.path, 'tsconfig.json'), JSON.stringify({ ...GENERATED_TSCONFIG, include: ['*/tfjs/*.ts'] }));
    await exec(TSC, ['-p', join(home.path, 'tsconfig.json')], home.path);
  }, 240_000);

  it("builds the tfjs model's parameters and reproduces its predictions from the version's model.json", async () => {
    await writeFile(join(home.path, 'jobs.json'), JSON.stringify(checkJobs(cases, 'tfjs')));
    // One process runs every script, so tfjs loads once.
    await exec(TSX, [join(import.meta.dirname, 'run-scripts.ts'), join(home.path, 'jobs.json')], home.path);
    for (const written of cases) {
      const { prepared, dir, model } = written;
      const { lines, printed } = await readSummary(dir);
      expect(lines.some((line) => line.includes('Total params'))).toBe(true);
      expect(printed, prepared.example.key).toEqual({ parameters: model.countParams(), expected: model.countParams() });
      const { compared, worst } = await compareWrittenPredictions(written, 1e-5);
      expect(compared, prepared.example.key).toBe(prepared.problem.examples.length);
      expect(worst, prepared.example.key).toBeLessThanOrEqual(1e-5);
    }
  }, 240_000);

  it('trains from a CSV file with train.ts and predicts held-out rows with predict.ts', async () => {
    const iris = cases.find((c) => c.prepared.example.key === 'iris-mlp');
    if (!iris) throw new Error('the iris example is missing');
    const table = parseTable(iris.prepared.example.csv, 'iris.csv');
    const plan = planEvaluation(iris.prepared.problem, { folds: 2, testFraction: 0.3, validationFraction: 0.1, patience: 5 }, 3);
    await writeFile(join(iris.dir, 'train.csv'), tableCsv(table, plan.development));
    await writeFile(join(iris.dir, 'test.csv'), tableCsv(table, plan.test));
    const code = join(iris.dir, 'tfjs');
    const trained = await exec(TSX, ['train.ts', '--data', join(iris.dir, 'train.csv'), '--output', join(iris.dir, 'trained'), '--epochs', '40', '--validation-fraction', '0.1'], code);
    expect(trained.stdout).toMatch(/epoch 1\/40 {2}loss \d+\.\d+ {2}val_loss \d+\.\d+/);
    await exec(TSX, ['predict.ts', '--data', join(iris.dir, 'test.csv'), '--weights', join(iris.dir, 'trained', 'weights.json'), '--output', join(iris.dir, 'trained.csv')], code);
    const { rows } = readPredictions(await readFile(join(iris.dir, 'trained.csv'), 'utf8'));
    const accuracy = irisAccuracy(table, plan.test, rows);
    // Three balanced classes: guessing scores a third; a trained two-layer MLP scores far more.
    expect(accuracy).toBeGreaterThan(0.8);
  }, 240_000);
});
