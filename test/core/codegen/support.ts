/**
 * Shared pieces of the code generation tests: example problems (iris, diabetes, digits and
 * a tiny synthetic weather sequence), the generated code of a model written to a folder,
 * modelsmith's own tfjs model saved beside it, interpreters (a python3 with torch when one
 * is installed, tsx, tsc), the script runs and checks the target tests share, and CSV
 * helpers.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'csv-parse/sync';
import { FileArtifactStore } from '../../../src/adapters/filesystem/artifact-store.js';
import { saveModel } from '../../../src/app/model-artifacts.js';
import { parseTable } from '../../../src/app/context.js';
import { generateCode, describeProblem, type CodegenInput, type GeneratedFiles } from '../../../src/core/codegen/index.js';
import { encodeExamples, fitPreprocessor, type Preprocessor } from '../../../src/core/data/preprocess.js';
import { dataShapeOf, defineProblem, inputRows, type Problem } from '../../../src/core/data/problem.js';
import type { Table } from '../../../src/core/data/table.js';
import { describeArchitecture } from '../../../src/core/models/architecture.js';
import { buildModel } from '../../../src/core/models/build.js';
import type { Architecture } from '../../../src/core/models/types.js';
import type { Assignment } from '../../../src/core/space/space.js';
import type { DatasetSpec } from '../../../src/core/spec/schema.js';
import { predict } from '../../../src/core/training/train.js';
import { DATASETS, PROJECT_ROOT } from '../../helpers.js';

const run = promisify(execFile);

export const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
export const TSC = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc');

/** Run a program; resolves with its output, rejects with stdout and stderr in the message. */
export async function exec(file: string, args: readonly string[], cwd: string, timeout = 240_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(file, [...args], { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  } catch (error) {
    const e = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`);
  }
}

/** Every `python3` on the PATH (the MODELSMITH_PYTHON override first), in order. */
function pythonCandidates(): string[] {
  const override = process.env['MODELSMITH_PYTHON'];
  const found = (process.env['PATH'] ?? '').split(delimiter).flatMap((dir) => {
    const file = join(dir, 'python3');
    try {
      accessSync(file, constants.X_OK);
      return [file];
    } catch {
      return [];
    }
  });
  return [...(override ? [override] : []), ...new Set(found)];
}

/** The first python3 that can import every module named, or null. */
export function findPython(modules: readonly string[]): string | null {
  for (const python of pythonCandidates()) {
    const probe = spawnSync(python, ['-c', modules.length ? `import ${modules.join(', ')}` : 'pass'], { timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return null;
}

/** A CSV field, quoted when needed. */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text of a header and rows of cells. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** Some rows of a parsed table as CSV text (missing cells empty). */
export function tableCsv(table: Table, rows: ArrayLike<number>): string {
  const cell = (column: Table['columns'][number], row: number): string => {
    if (column.kind === 'numeric') {
      const value = column.values[row] as number;
      return Number.isNaN(value) ? '' : String(value);
    }
    const code = column.codes[row] as number;
    return code < 0 ? '' : (column.levels[code] as string);
  };
  return toCsv(
    table.columns.map((c) => c.name),
    Array.from(rows, (row) => table.columns.map((column) => cell(column, row))),
  );
}

/** Parse a predictions CSV written by a generated script. */
export function readPredictions(text: string): { header: string[]; rows: string[][] } {
  const [header = [], ...rows] = parse(text) as string[][];
  return { header, rows };
}

/** A tiny daily weather log in shuffled file order, with gaps: a sequence problem with text and numbers. */
export function weatherCsv(days = 48): string {
  const skies = ['clear', 'cloudy', 'overcast'];
  const rows: string[][] = [];
  for (let day = 0; day < days; day++) {
    const temp = 12 + 6 * Math.sin(day / 3) + ((day * 7) % 5) * 0.3;
    const wind = 2 + ((day * 13) % 7) * 0.5;
    const weather = temp > 15 ? 'sun' : wind > 4 ? 'rain' : 'fog';
    rows.push([
      new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10),
      day % 11 === 5 ? '' : temp.toFixed(2),
      wind.toFixed(1),
      day % 13 === 7 ? 'NA' : (skies[day % 3] as string),
      weather,
    ]);
  }
  // Out of date order on disk: the generated code must sort by orderBy as modelsmith does.
  const shuffled = rows.map((row, i) => ({ row, key: (i * 37) % days })).sort((a, b) => a.key - b.key);
  return toCsv(
    ['date', 'temp', 'wind', 'sky', 'weather'],
    shuffled.map((s) => s.row),
  );
}

export interface Example {
  readonly key: string;
  readonly csv: string;
  readonly dataset: DatasetSpec;
  readonly task: Problem['task'];
  readonly assignment: Assignment;
}

const common = { learningRate: 0.01, batchSize: 16, optimizer: 'adam', epochs: 20 } as const;
const family = (name: string, parameters: Record<string, string | number | boolean>): Assignment => ({
  family: name,
  ...common,
  ...Object.fromEntries(Object.entries(parameters).map(([k, v]) => [`${name}.${k}`, v])),
});

const dataset = (file: string, target: string, extra: Partial<DatasetSpec> = {}): DatasetSpec =>
  ({ uri: join(DATASETS, file), target, kind: 'tabular', horizon: 1, ...extra }) as DatasetSpec;

const sequence = dataset('weather.csv', 'weather', { kind: 'sequence', window: 5, orderBy: 'date' });

/** Example models covering every layer type, activation and pooling mode. */
export async function examples(): Promise<Example[]> {
  const text = async (file: string) => readFile(join(DATASETS, file), 'utf8');
  const [iris, diabetes, digits] = await Promise.all([text('iris.csv'), text('diabetes.csv'), text('digits.csv')]);
  const digitsHead = digits.split('\n').slice(0, 121).join('\n') + '\n';
  const weather = weatherCsv();
  const image = dataset('digits.csv', 'digit', { kind: 'image', shape: [8, 8, 1] });
  return [
    { key: 'iris-mlp', csv: iris, dataset: dataset('iris.csv', 'species'), task: 'classification', assignment: family('mlp', { layers: 2, units: 12, dropout: 0.1, activation: 'relu' }) },
    { key: 'diabetes-mlp', csv: diabetes, dataset: dataset('diabetes.csv', 'progression'), task: 'regression', assignment: family('mlp', { layers: 1, units: 8, dropout: 0, activation: 'selu' }) },
    {
      key: 'digits-cnn',
      csv: digitsHead,
      dataset: image,
      task: 'classification',
      assignment: family('cnn', { blocks: 2, filters: 4, kernel: 3, activation: 'relu', pooling: 'max', dense: 16, dropout: 0.2 }),
    },
    {
      key: 'digits-cnn-even',
      csv: digitsHead,
      dataset: image,
      task: 'classification',
      assignment: family('cnn', { blocks: 1, filters: 3, kernel: 2, activation: 'swish', pooling: 'avg', dense: 0, dropout: 0 }),
    },
    { key: 'weather-lstm', csv: weather, dataset: sequence, task: 'classification', assignment: family('rnn', { cell: 'lstm', layers: 2, units: 5, bidirectional: false, dropout: 0.1 }) },
    { key: 'weather-bigru', csv: weather, dataset: sequence, task: 'classification', assignment: family('rnn', { cell: 'gru', layers: 2, units: 4, bidirectional: true, dropout: 0 }) },
    { key: 'weather-bilstm', csv: weather, dataset: sequence, task: 'classification', assignment: family('rnn', { cell: 'lstm', layers: 1, units: 3, bidirectional: true, dropout: 0 }) },
    {
      key: 'weather-transformer',
      csv: weather,
      dataset: sequence,
      task: 'classification',
      assignment: family('transformer', { layers: 2, heads: 2, headDim: 4, ffDim: 8, dropout: 0.1, pooling: 'mean' }),
    },
    {
      key: 'weather-transformer-last',
      csv: weather,
      dataset: sequence,
      task: 'classification',
      assignment: family('transformer', { layers: 1, heads: 3, headDim: 2, ffDim: 5, dropout: 0, pooling: 'last' }),
    },
    {
      key: 'weather-gru-regression',
      csv: weather,
      dataset: { ...sequence, target: 'temp' },
      task: 'regression',
      assignment: family('rnn', { cell: 'gru', layers: 1, units: 6, bidirectional: false, dropout: 0 }),
    },
    { key: 'weather-mlp-tanh', csv: weather, dataset: sequence, task: 'classification', assignment: family('mlp', { layers: 2, units: 6, dropout: 0, activation: 'tanh' }) },
    { key: 'iris-mlp-sigmoid', csv: iris, dataset: dataset('iris.csv', 'species'), task: 'classification', assignment: family('mlp', { layers: 1, units: 5, dropout: 0, activation: 'sigmoid' }) },
    { key: 'iris-mlp-elu', csv: iris, dataset: dataset('iris.csv', 'species'), task: 'classification', assignment: family('mlp', { layers: 1, units: 5, dropout: 0, activation: 'elu' }) },
  ];
}

/** An example made concrete: its problem, architecture, fitted preprocessing and code. */
export interface Prepared {
  readonly example: Example;
  readonly problem: Problem;
  readonly architecture: Architecture;
  readonly preprocessor: Preprocessor;
  readonly input: CodegenInput;
  readonly files: GeneratedFiles;
}

/** Define the problem, fit preprocessing on every example and generate the code. */
export function prepare(example: Example, name = example.key): Prepared {
  const table = parseTable(example.csv, example.dataset.uri);
  const problem = defineProblem(table, example.dataset, example.task);
  const architecture = describeArchitecture(example.assignment, dataShapeOf(problem));
  const preprocessor = fitPreprocessor(problem, problem.examples);
  const input: CodegenInput = {
    model: { name, version: 1 },
    architecture,
    training: { optimizer: 'adam', learningRate: 0.01, batchSize: 16, epochs: 3, maxEpochs: 20, patience: 3, validationFraction: 0.1, seed: 5 },
    preprocessor,
    problem: describeProblem(preprocessor, example.dataset.orderBy ?? null),
  };
  return { example, problem, architecture, preprocessor, input, files: generateCode(input) };
}

/** Write generated files (and the example's data as `data.csv`) under `dir`. */
export async function writeFiles(dir: string, files: GeneratedFiles, data?: string): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  if (data !== undefined) await writeFile(join(dir, 'data.csv'), data);
}

/** Let generated TypeScript under `dir` resolve @tensorflow/tfjs and @types/node from this project. */
export async function linkNodeModules(dir: string): Promise<void> {
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/**
 * Build modelsmith's tfjs model of a prepared example, give every weight a seeded random
 * value (so biases, layer-norm scales and every gate matter), and save it as the version's
 * model.json and weights.bin under `dir`. Returns the model; the caller disposes it.
 */
export async function saveScrambledModel(prepared: Prepared, dir: string, seed = 3): Promise<tf.LayersModel> {
  const model = buildModel(prepared.architecture, seed);
  const weights = model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.6, 'float32', seed * 1000 + i));
  model.setWeights(weights);
  tf.dispose(weights);
  await saveModel(new FileArtifactStore(dir), '', model);
  return model;
}

/**
 * modelsmith's own predictions for every labelled example of the problem, keyed by the data
 * row a generated script reports for it (for a sequence, the window's last row).
 */
export function referencePredictions(prepared: Prepared, model: tf.LayersModel): Map<number, number[]> {
  const { problem, preprocessor } = prepared;
  const encoded = encodeExamples(preprocessor, problem, problem.examples);
  const outputs = predict(model, encoded, preprocessor.inputShape);
  const width = outputs.length / encoded.count;
  const byRow = new Map<number, number[]>();
  problem.examples.forEach((example, i) => {
    const rows = inputRows(problem, example);
    const values = Array.from(outputs.subarray(i * width, (i + 1) * width));
    const decoded = preprocessor.target.kind === 'standardized' ? values.map((v) => v * (preprocessor.target as { scale: number }).scale + (preprocessor.target as { center: number }).center) : values;
    byRow.set(rows[rows.length - 1] as number, decoded);
  });
  return byRow;
}

/**
 * Compare a generated script's predictions CSV with modelsmith's: every labelled example
 * must be there with the same class probabilities (or value) within `tolerance`.
 */
export function comparePredictions(prepared: Prepared, csv: string, reference: Map<number, number[]>, tolerance: number): { compared: number; worst: number } {
  const { header, rows } = readPredictions(csv);
  const classification = prepared.problem.task === 'classification';
  const expectedHeader = ['row', 'prediction', ...prepared.problem.classes.map((c) => `probability:${c}`)];
  if (header.join('\u0000') !== expectedHeader.join('\u0000')) throw new Error(`unexpected header ${JSON.stringify(header)}`);
  const byRow = new Map(rows.map((row) => [Number(row[0]), row]));
  let worst = 0;
  for (const [row, expected] of reference) {
    const line = byRow.get(row);
    if (!line) throw new Error(`no prediction for row ${row}`);
    const actual = classification ? line.slice(2).map(Number) : [Number(line[1])];
    const scale = classification ? 1 : Math.max(1, ...expected.map(Math.abs));
    expected.forEach((value, i) => {
      worst = Math.max(worst, Math.abs((actual[i] ?? NaN) - value) / scale);
    });
    if (!(worst <= tolerance)) throw new Error(`row ${row}: expected ${expected.join(', ')}, got ${actual.join(', ')}`);
    if (classification && line[1] !== prepared.problem.classes[actual.indexOf(Math.max(...actual))]) {
      throw new Error(`row ${row}: predicted ${line[1]} is not the most probable class`);
    }
  }
  return { compared: reference.size, worst };
}

/** An example's code and data written to `dir`, with modelsmith's model of it saved there. */
export interface WrittenExample {
  readonly prepared: Prepared;
  readonly dir: string;
  /** modelsmith's tfjs model, saved as `dir/model.json`; the caller disposes it. */
  readonly model: tf.LayersModel;
}

/**
 * Every example prepared and written to a folder of its key under `home` (code, `data.csv`),
 * with its scrambled tfjs model saved beside the code (see {@link saveScrambledModel}).
 */
export async function writeExamples(home: string): Promise<WrittenExample[]> {
  return Promise.all(
    (await examples()).map(async (example) => {
      const prepared = prepare(example);
      const dir = join(home, example.key);
      await writeFiles(dir, prepared.files, example.csv);
      return { prepared, dir, model: await saveScrambledModel(prepared, dir) };
    }),
  );
}

/** One generated script for run_scripts.py or run-scripts.ts: run in `folder`, output to `stdout`. */
export interface ScriptJob {
  readonly folder: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly stdout: string;
}

/** How a target's scripts end, and the option that points its predict script at a model.json. */
const TARGET_SCRIPTS = {
  pytorch: { extension: 'py', modelOption: '--tfjs-model' },
  tfjs: { extension: 'ts', modelOption: '--weights' },
} as const;

/**
 * The runs that check a target on each written example: its model script prints the
 * parameter count to `summary.txt` (see {@link readSummary}), its predict script writes
 * `predictions.csv` from the version's own model.json (see {@link compareWrittenPredictions}).
 */
export function checkJobs(written: readonly WrittenExample[], target: keyof typeof TARGET_SCRIPTS): ScriptJob[] {
  const { extension, modelOption } = TARGET_SCRIPTS[target];
  return written.flatMap(({ dir }) => [
    { folder: join(dir, target), script: `model.${extension}`, args: [], stdout: join(dir, 'summary.txt') },
    {
      folder: join(dir, target),
      script: `predict.${extension}`,
      args: ['--data', join(dir, 'data.csv'), modelOption, join(dir, 'model.json'), '--output', join(dir, 'predictions.csv')],
      stdout: join(dir, 'predict.txt'),
    },
  ]);
}

/** What a model script printed for a written example: its lines, and the last one parsed as JSON. */
export async function readSummary(dir: string): Promise<{ lines: string[]; printed: unknown }> {
  const lines = (await readFile(join(dir, 'summary.txt'), 'utf8')).trim().split('\n');
  return { lines, printed: JSON.parse(lines[lines.length - 1] ?? '{}') };
}

/** A written example's `predictions.csv` compared with modelsmith's own (see {@link comparePredictions}). */
export async function compareWrittenPredictions(written: WrittenExample, tolerance: number): Promise<{ compared: number; worst: number }> {
  const { prepared, dir, model } = written;
  const csv = await readFile(join(dir, 'predictions.csv'), 'utf8');
  return comparePredictions(prepared, csv, referencePredictions(prepared, model), tolerance);
}

/** The share of prediction rows, for `testRows` of the iris table in order, that name the true species. */
export function irisAccuracy(table: Table, testRows: ArrayLike<number>, rows: readonly (readonly string[])[]): number {
  const species = table.columns.find((c) => c.name === 'species');
  if (species?.kind !== 'categorical') throw new Error('iris species should be text');
  const truth = Array.from(testRows, (row) => species.levels[species.codes[row] as number]);
  return rows.filter((row, i) => row[1] === truth[i]).length / rows.length;
}
