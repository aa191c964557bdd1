import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planEvaluation } from '../../../src/core/data/plan.js';
import { encodeExamples, fitPreprocessor } from '../../../src/core/data/preprocess.js';
import { dataShapeOf, defineProblem, exampleTarget } from '../../../src/core/data/problem.js';
import { holdOut, kFolds } from '../../../src/core/data/split.js';
import { parseCsv, parseJson, shareTable } from '../../../src/core/data/table.js';
import { DatasetError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/core/random.js';
import { parseSpec } from '../../../src/core/spec/parse.js';
import { DATASETS } from '../../helpers.js';

const read = (name: string) => parseCsv(readFileSync(join(DATASETS, name), 'utf8'), name);
const dataset = (extra: Record<string, unknown>) =>
  parseSpec({ name: 'x', task: 'classification', dataset: { uri: 'x.csv', target: 'y', ...extra }, space: { family: 'mlp' }, budget: { maxTrials: 1 } }).dataset;

describe('tables', () => {
  it('types columns and marks missing cells', () => {
    const table = parseCsv('a,b,c\n1,x,\n2,,3\nNA,y,4\n', 't.csv');
    expect(table.rowCount).toBe(3);
    const [a, b, c] = table.columns;
    expect(a).toMatchObject({ kind: 'numeric', name: 'a' });
    expect(Array.from((a as { values: Float64Array }).values)).toEqual([1, 2, Number.NaN]);
    expect(b).toMatchObject({ kind: 'categorical', levels: ['x', 'y'] });
    expect(Array.from((b as { codes: Int32Array }).codes)).toEqual([0, -1, 1]);
    expect(Array.from((c as { values: Float64Array }).values)).toEqual([Number.NaN, 3, 4]);
  });

  it('rejects unreadable CSV with the file and line', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'bad.csv')).toThrow(DatasetError);
    expect(() => parseCsv('a,b\n1,2\n3\n', 'bad.csv')).toThrow(/bad\.csv is not valid CSV: .*line 3/);
    expect(() => parseCsv('a,"b\n1,2\n', 'quote.csv')).toThrow(/quote\.csv is not valid CSV/);
    expect(() => parseCsv('', 'empty.csv')).toThrow(/empty\.csv is empty/);
    expect(() => parseCsv('a,b\n', 'header.csv')).toThrow(/has a header but no data rows/);
    expect(() => parseCsv('a,a\n1,2\n', 'dup.csv')).toThrow(/column a appears twice/);
  });

  it('reads JSON rows and column objects alike', () => {
    const rows = parseJson('[{"a":1,"b":"x"},{"a":2,"b":null}]', 'r.json');
    const columns = parseJson('{"columns":{"a":[1,2],"b":["x",null]}}', 'c.json');
    expect(rows).toEqual(columns);
    expect(() => parseJson('{"a":', 'bad.json')).toThrow(/bad\.json is not valid JSON/);
    expect(() => parseJson('[{"a":{"nested":1}}]', 'n.json')).toThrow(/nested value/);
  });

  it('shares columns through shared memory without changing them', () => {
    const table = read('iris.csv');
    const shared = shareTable(table);
    expect(shared).toEqual(table);
    const first = shared.columns[0] as { values: Float64Array };
    expect(first.values.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('problems', () => {
  const iris = read('iris.csv');

  it('names a missing target column and lists the columns there are', () => {
    expect(() => defineProblem(iris, dataset({ target: 'kind' }), 'classification')).toThrow(
      'dataset.target: no column named "kind"; the dataset has sepal_length, sepal_width, petal_length, petal_width, species',
    );
    expect(() => defineProblem(iris, dataset({ target: 'species', features: ['sepal_length', 'petal'] }), 'classification')).toThrow(
      /^dataset\.features\[1\]: no column named "petal"/,
    );
  });

  it('refuses a text target for regression and a single-class target', () => {
    expect(() => defineProblem(iris, dataset({ target: 'species' }), 'regression')).toThrow(/regression needs a numeric target/);
    const one = parseCsv('a,y\n1,k\n2,k\n', 'one.csv');
    expect(() => defineProblem(one, dataset({ target: 'y' }), 'classification')).toThrow(/at least two classes/);
  });

  it('orders classes naturally and maps every row', () => {
    const problem = defineProblem(iris, dataset({ target: 'species' }), 'classification');
    expect(problem.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(problem.examples.length).toBe(150);
    expect(dataShapeOf(problem)).toEqual({ task: 'classification', inputShape: [4], outputUnits: 3 });
  });

  it('checks image shapes against the pixel columns', () => {
    const digits = read('digits.csv');
    expect(() => defineProblem(digits, dataset({ target: 'digit', kind: 'image', shape: [8, 7, 1] }), 'classification')).toThrow(
      'dataset.shape: 8x7x1 needs 56 pixel columns but 64 input columns were found',
    );
    const problem = defineProblem(digits, dataset({ target: 'digit', kind: 'image', shape: [8, 8, 1] }), 'classification');
    expect(problem.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(dataShapeOf(problem).inputShape).toEqual([8, 8, 1]);
  });

  it('builds ordered windows whose target lies after the window', () => {
    const weather = read('seattle-weather.csv');
    const problem = defineProblem(weather, dataset({ target: 'weather', kind: 'sequence', window: 7, orderBy: 'date' }), 'classification');
    expect(problem.examples.length).toBe(1461 - 7);
    expect(problem.features.map((f) => f.name)).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind', 'weather']);
    // Example 0 reads days 0..6 and predicts day 7 (2012-01-08).
    const weatherColumn = weather.columns.find((c) => c.name === 'weather') as unknown as { codes: Int32Array; levels: string[] };
    expect(problem.classes[exampleTarget(problem, 0)]).toBe(weatherColumn.levels[weatherColumn.codes[7] as number]);
    expect(dataShapeOf(problem).inputShape).toEqual([7, 4 + 5]);
  });

  it('leaves rows without a target out, and says so', () => {
    const table = parseCsv('a,y\n1,p\n2,\n3,q\n4,p\n', 'gap.csv');
    const problem = defineProblem(table, dataset({ target: 'y' }), 'classification');
    expect(Array.from(problem.examples)).toEqual([0, 2, 3]);
    expect(problem.notes).toContain('1 example(s) without a y value were left out');
  });
});

describe('splits', () => {
  it('stratified folds keep class proportions and cover every example once', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
    const positions = Int32Array.from({ length: 100 }, (_, i) => i);
    const folds = kFolds(positions, 5, { kind: 'stratified', labels, classes: ['a', 'b', 'c'] }, createRng(1, 'f'));
    const seen = folds.flatMap((f) => Array.from(f.validation)).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from(positions));
    for (const fold of folds) {
      const counts = [0, 1, 2].map((c) => Array.from(fold.validation).filter((p) => labels[p] === c).length);
      expect(counts).toEqual([12, 6, 2]);
      expect(fold.train.length + fold.validation.length).toBe(100);
    }
  });

  it('refuses a class smaller than the number of folds, naming it', () => {
    const labels = Int32Array.from({ length: 30 }, (_, i) => (i < 27 ? 0 : 1));
    const positions = Int32Array.from({ length: 30 }, (_, i) => i);
    expect(() => kFolds(positions, 5, { kind: 'stratified', labels, classes: ['common', 'rare'] }, createRng(1, 'f'))).toThrow(
      'evaluation.folds: class "rare" has 3 example(s) outside the test split, fewer than the 5 folds; lower evaluation.folds or add examples',
    );
  });

  it('ordered folds never validate on the past', () => {
    const positions = Int32Array.from({ length: 40 }, (_, i) => i);
    for (const fold of kFolds(positions, 3, { kind: 'ordered' }, createRng(1, 'f'))) {
      expect(Math.max(...fold.train)).toBeLessThan(Math.min(...fold.validation));
    }
    const { train, validation } = holdOut(positions, 0.25, { kind: 'ordered' }, createRng(1, 'h'));
    expect(Array.from(validation)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
    expect(train.length).toBe(30);
  });

  it('plans are reproducible and keep the test split out of every fold', () => {
    const iris = read('iris.csv');
    const problem = defineProblem(iris, dataset({ target: 'species' }), 'classification');
    const evaluation = { folds: 5, testFraction: 0.2, validationFraction: 0.1, patience: 5 };
    const plan = planEvaluation(problem, evaluation, 42);
    expect(planEvaluation(problem, evaluation, 42)).toEqual(plan);
    expect(plan.test.length).toBe(30);
    const test = new Set(plan.test);
    for (const fold of plan.folds) {
      for (const p of [...fold.fit, ...fold.stop, ...fold.score]) expect(test.has(p)).toBe(false);
      expect(fold.fit.length + fold.stop.length + fold.score.length).toBe(120);
    }
  });
});

describe('preprocessing', () => {
  it('is fitted on the given rows only', () => {
    const table = parseCsv('x,c,y\n1,a,p\n3,b,q\n100,z,p\n,a,q\n', 't.csv');
    const problem = defineProblem(table, dataset({ target: 'y' }), 'classification');
    const pre = fitPreprocessor(problem, [0, 1, 3]);
    expect(pre.features[0]).toEqual({ kind: 'numeric', column: 'x', center: 2, scale: 1, fill: 2 });
    expect(pre.features[1]).toMatchObject({ kind: 'onehot', levels: ['a', 'b', 'z'], known: [true, true, false], fill: 'a' });
    const encoded = encodeExamples(pre, problem, [2, 3]);
    // Row 2: x=100 standardized with training stats; c=z unseen in training encodes as zeros.
    expect(Array.from(encoded.x)).toEqual([98, 0, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(encoded.y)).toEqual([0, 1]);
  });

  it('standardizes regression targets with training statistics', () => {
    const table = parseCsv('x,y\n1,10\n2,20\n3,30\n4,1000\n', 't.csv');
    const problem = defineProblem(table, { ...dataset({ target: 'y' }) }, 'regression');
    const pre = fitPreprocessor(problem, [0, 1, 2]);
    expect(pre.target).toMatchObject({ kind: 'standardized', center: 20 });
  });

  it('scales images by the training maximum', () => {
    const digits = read('digits.csv');
    const problem = defineProblem(digits, dataset({ target: 'digit', kind: 'image', shape: [8, 8, 1] }), 'classification');
    const pre = fitPreprocessor(problem, problem.examples.subarray(0, 100));
    const encoded = encodeExamples(pre, problem, problem.examples.subarray(0, 100));
    expect(Math.max(...encoded.x)).toBe(1);
    expect(Math.min(...encoded.x)).toBe(0);
    expect(pre.inputShape).toEqual([8, 8, 1]);
  });

  it('gathers sequence windows from encoded rows', () => {
    const table = parseCsv('t,v,y\n1,0,a\n2,1,b\n3,2,a\n4,3,b\n5,4,a\n', 's.csv');
    const problem = defineProblem(table, dataset({ target: 'y', kind: 'sequence', window: 2, orderBy: 't' }), 'classification');
    expect(problem.examples.length).toBe(3);
    const pre = fitPreprocessor(problem, [0, 1, 2]);
    const { x, y } = encodeExamples(pre, problem, [1]);
    // Window rows 1..2 (v = 1, 2; y = b, a), target row 3 (b). v standardized over rows 0..3: mean 1.5.
    const scale = (pre.features[0] as { scale: number }).scale;
    expect(Array.from(x)).toEqual([(1 - 1.5) / scale, 0, 1, (2 - 1.5) / scale, 1, 0].map((v) => Math.fround(v)));
    expect(Array.from(y)).toEqual([1]);
  });
});
