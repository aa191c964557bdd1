/**
 * A learning problem: the table, which columns are inputs and which is the target, and
 * what one example is (a row, an image, or a window of consecutive rows). Built once per
 * search from the spec's `dataset` block; every fold and trial reads it unchanged.
 */
import { DatasetError } from '../errors.js';
import type { DataShape } from '../models/types.js';
import type { DatasetSpec } from '../spec/schema.js';
import { columnOf, type Column, type Table } from './table.js';

export interface Problem {
  readonly task: 'classification' | 'regression';
  readonly kind: DatasetSpec['kind'];
  readonly table: Table;
  /** Input columns, in the order their encodings are laid out. */
  readonly features: readonly Column[];
  readonly target: Column;
  /** Class names (classification): class i is `classes[i]`. */
  readonly classes: readonly string[];
  /** Per row: class index (classification) or value (regression); -1 / NaN when missing. */
  readonly targets: Float64Array;
  /**
   * The examples. For rows and images: the row index. For sequences: the position in
   * `order` of the window's first row.
   */
  readonly examples: Int32Array;
  /** Sequence kind: rows sorted by `orderBy` (identity when no order column is given). */
  readonly order: Int32Array;
  readonly window: number;
  readonly horizon: number;
  /** Image kind: [height, width, channels]. */
  readonly imageShape?: readonly [number, number, number];
  /** Notes worth telling the user (dropped rows, columns left out). */
  readonly notes: readonly string[];
}

/** Text columns with more distinct values than this are left out of default features. */
const MAX_DEFAULT_LEVELS = 64;

/** Define the problem a spec describes over a parsed table. */
export function defineProblem(table: Table, dataset: DatasetSpec, task: Problem['task']): Problem {
  const notes: string[] = [];
  const target = columnOf(table, dataset.target, 'dataset.target');
  const excluded = new Set([dataset.target, ...(dataset.exclude ?? []), ...(dataset.orderBy ? [dataset.orderBy] : [])]);
  for (const name of dataset.exclude ?? []) columnOf(table, name, 'dataset.exclude');
  let features: Column[];
  if (dataset.features) {
    features = dataset.features.map((name, i) => columnOf(table, name, `dataset.features[${i}]`));
  } else {
    features = table.columns.filter((c) => {
      if (excluded.has(c.name) && !(dataset.kind === 'sequence' && c.name === dataset.target)) return false;
      if (c.kind === 'categorical' && c.levels.length > Math.max(MAX_DEFAULT_LEVELS, table.rowCount / 2)) {
        notes.push(`column ${c.name} left out of the inputs: ${c.levels.length} distinct text values (name it in dataset.features to keep it)`);
        return false;
      }
      return true;
    });
  }
  if (features.length === 0) throw new DatasetError('dataset: no input columns remain besides the target');

  const { classes, targets } = encodeTarget(target, task, 'dataset.target');
  const order = orderOf(table, dataset.orderBy);

  if (dataset.kind === 'image') {
    const [h, w, c] = dataset.shape as [number, number, number];
    if (features.length !== h * w * c) {
      throw new DatasetError(`dataset.shape: ${h}x${w}x${c} needs ${h * w * c} pixel columns but ${features.length} input columns were found`);
    }
    const text = features.find((f) => f.kind !== 'numeric');
    if (text) throw new DatasetError(`dataset: pixel column ${text.name} holds text; image pixels must be numbers`);
  }

  const window = dataset.window ?? 1;
  const horizon = dataset.kind === 'sequence' ? dataset.horizon : 0;
  const examples: number[] = [];
  let dropped = 0;
  if (dataset.kind === 'sequence') {
    const count = table.rowCount - window - horizon + 1;
    if (count < 2) {
      throw new DatasetError(`dataset.window: ${table.rowCount} rows are too few for window ${window} and horizon ${horizon}`);
    }
    for (let start = 0; start < count; start++) {
      const row = order[start + window - 1 + horizon] as number;
      if (isMissingTarget(targets, row)) dropped++;
      else examples.push(start);
    }
  } else {
    for (let row = 0; row < table.rowCount; row++) {
      if (isMissingTarget(targets, row)) dropped++;
      else examples.push(row);
    }
  }
  if (dropped > 0) notes.push(`${dropped} example(s) without a ${target.name} value were left out`);
  if (examples.length === 0) throw new DatasetError(`dataset.target: column ${target.name} has no values`);
  if (task === 'classification' && classes.length < 2) {
    throw new DatasetError(`dataset.target: classification needs at least two classes; ${target.name} has ${classes.length}`);
  }
  return {
    task,
    kind: dataset.kind,
    table,
    features,
    target,
    classes,
    targets,
    examples: Int32Array.from(examples),
    order,
    window,
    horizon,
    ...(dataset.shape ? { imageShape: dataset.shape } : {}),
    notes,
  };
}

function isMissingTarget(targets: Float64Array, row: number): boolean {
  return Number.isNaN(targets[row] as number);
}

function encodeTarget(target: Column, task: Problem['task'], field: string): { classes: string[]; targets: Float64Array } {
  const n = target.kind === 'numeric' ? target.values.length : target.codes.length;
  const targets = new Float64Array(n);
  if (task === 'regression') {
    if (target.kind !== 'numeric') {
      throw new DatasetError(`${field}: regression needs a numeric target but ${target.name} holds text (e.g. ${JSON.stringify(target.levels[0])})`);
    }
    targets.set(target.values);
    return { classes: [], targets };
  }
  // Classes in natural order: numerically when every label is a number, else alphabetically.
  const labels: string[] =
    target.kind === 'numeric'
      ? [...new Set(Array.from(target.values).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b).map(String)
      : [...target.levels].sort((a, b) => a.localeCompare(b, 'en'));
  const classIndex = new Map(labels.map((label, i) => [label, i]));
  for (let row = 0; row < n; row++) {
    const label =
      target.kind === 'numeric'
        ? Number.isNaN(target.values[row] as number) ? undefined : String(target.values[row])
        : (target.codes[row] as number) < 0 ? undefined : target.levels[target.codes[row] as number];
    targets[row] = label === undefined ? Number.NaN : (classIndex.get(label) as number);
  }
  return { classes: labels, targets };
}

function orderOf(table: Table, orderBy: string | undefined): Int32Array {
  const order = Int32Array.from({ length: table.rowCount }, (_, i) => i);
  if (!orderBy) return order;
  const column = columnOf(table, orderBy, 'dataset.orderBy');
  const key = (row: number): number | string =>
    column.kind === 'numeric' ? (column.values[row] as number) : (column.levels[column.codes[row] as number] ?? '');
  // Stable sort keeps file order among equal keys.
  return Int32Array.from(
    Array.from(order).sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka < kb) return -1;
      if (ka > kb) return 1;
      return a - b;
    }),
  );
}

/** The target class (or value) of an example. */
export function exampleTarget(problem: Problem, example: number): number {
  return problem.targets[targetRow(problem, example)] as number;
}

/** The row holding an example's target. */
export function targetRow(problem: Problem, example: number): number {
  return problem.kind === 'sequence'
    ? (problem.order[example + problem.window - 1 + problem.horizon] as number)
    : example;
}

/** The rows an example reads its inputs from. */
export function inputRows(problem: Problem, example: number): Int32Array {
  if (problem.kind !== 'sequence') return Int32Array.of(example);
  return problem.order.subarray(example, example + problem.window);
}

/** Class index per example (classification), for stratification. */
export function exampleLabels(problem: Problem, examples: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: examples.length }, (_, i) => exampleTarget(problem, examples[i] as number));
}

/** Width of one row's encoded features: numeric columns 1, text columns one per level. */
export function featureWidth(problem: Problem): number {
  return problem.features.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.levels.length), 0);
}

/** The shape models see. */
export function dataShapeOf(problem: Problem): DataShape {
  const width = featureWidth(problem);
  const inputShape =
    problem.kind === 'image' ? [...(problem.imageShape as readonly number[])] : problem.kind === 'sequence' ? [problem.window, width] : [width];
  return {
    task: problem.task,
    inputShape,
    outputUnits: problem.task === 'classification' ? problem.classes.length : 1,
  };
}
