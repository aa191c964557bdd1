/**
 * Prediction requests and answers, from a model's fitted preprocessing alone: the input
 * schema a deployed model publishes, validation of instances against it (each problem
 * named by instance and column), their encoding into model inputs, and the decoding of
 * model outputs into labels with probabilities or values in the target's units.
 */
import { InputError } from '../errors.js';
import { decodeTargets, encodeRows, type FeatureEncoder, type Preprocessor } from '../data/preprocess.js';
import type { Column, Table } from '../data/table.js';

/** One feature a request supplies. */
export type InputFeature =
  | { readonly name: string; readonly type: 'number' }
  | { readonly name: string; readonly type: 'category'; readonly levels: readonly string[] };

/** What a prediction request must contain, published with every deployed model. */
export interface InputSchema {
  /** `rows`: one object per instance; `window`: each instance is `window` consecutive row objects, oldest first. */
  readonly layout: 'rows' | 'window';
  readonly window?: number;
  readonly features: readonly InputFeature[];
  /** Missing values (null or an absent field) are filled as in training. */
  readonly missing: 'imputed';
  readonly target: { readonly name: string; readonly task: 'classification' | 'regression'; readonly classes?: readonly string[] };
}

export function inputSchemaOf(pre: Preprocessor): InputSchema {
  const features = pre.features.map((f): InputFeature => (f.kind === 'numeric' ? { name: f.column, type: 'number' } : { name: f.column, type: 'category', levels: f.levels }));
  const target =
    pre.target.kind === 'classes'
      ? { name: pre.target.column, task: 'classification' as const, classes: pre.target.classes }
      : { name: pre.target.column, task: 'regression' as const };
  return pre.kind === 'sequence'
    ? { layout: 'window', window: pre.window, features, missing: 'imputed', target }
    : { layout: 'rows', features, missing: 'imputed', target };
}

type Row = Readonly<Record<string, unknown>>;

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The rows of each instance, in order, checked for shape. */
function rowsOf(pre: Preprocessor, instances: unknown): Row[] {
  if (!Array.isArray(instances) || instances.length === 0) throw new InputError('instances: expected a non-empty array');
  if (pre.kind !== 'sequence') {
    return instances.map((instance, i) => {
      if (!isRow(instance)) throw new InputError(`instances[${i}]: expected an object of column values`);
      return instance;
    });
  }
  return instances.flatMap((instance, i) => {
    if (!Array.isArray(instance) || instance.length !== pre.window) {
      throw new InputError(`instances[${i}]: expected an array of ${pre.window} consecutive rows, oldest first`);
    }
    return instance.map((row, t) => {
      if (!isRow(row)) throw new InputError(`instances[${i}][${t}]: expected an object of column values`);
      return row;
    });
  });
}

/** A request column as a table column the fitted encoder reads. */
function columnOf(encoder: FeatureEncoder, rows: readonly Row[], where: (row: number) => string): Column {
  const values = rows.map((row) => row[encoder.column]);
  if (encoder.kind === 'numeric') {
    return {
      kind: 'numeric',
      name: encoder.column,
      values: Float64Array.from(values, (v, r) => {
        if (v === null || v === undefined) return Number.NaN;
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${where(r)}.${encoder.column}: expected a number or null, got ${JSON.stringify(v)}`);
        return v;
      }),
    };
  }
  const levels = [...encoder.levels];
  const codes = Int32Array.from(values, (v, r) => {
    if (v === null || v === undefined) return -1;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new InputError(`${where(r)}.${encoder.column}: expected one of ${JSON.stringify(encoder.levels)}, got ${JSON.stringify(v)}`);
    }
    const text = String(v).trim();
    let code = levels.indexOf(text);
    // A level never seen in training encodes as all zeros, as it did while training.
    if (code < 0) code = levels.push(text) - 1;
    return code;
  });
  return { kind: 'categorical', name: encoder.column, codes, levels };
}

/**
 * Validate and encode prediction instances into a row-major `count x inputShape` matrix.
 * Unknown fields are refused (a typo must not silently become a missing value); the
 * target column may be present and is ignored.
 */
export function encodeInstances(pre: Preprocessor, instances: unknown): { count: number; x: Float32Array } {
  const rows = rowsOf(pre, instances);
  const known = new Set([...pre.features.map((f) => f.column), pre.target.column]);
  const perInstance = pre.kind === 'sequence' ? pre.window : 1;
  const where = (r: number) => (perInstance === 1 ? `instances[${r}]` : `instances[${Math.floor(r / perInstance)}][${r % perInstance}]`);
  rows.forEach((row, r) => {
    const unknown = Object.keys(row).find((k) => !known.has(k));
    if (unknown !== undefined) throw new InputError(`${where(r)}: unknown column ${JSON.stringify(unknown)}; the model reads ${pre.features.map((f) => f.column).join(', ')}`);
  });
  const table: Table = { rowCount: rows.length, columns: pre.features.map((encoder) => columnOf(encoder, rows, where)) };
  const x = encodeRows(pre, table, Int32Array.from(rows.keys()));
  return { count: rows.length / perInstance, x };
}

export type Prediction =
  | { readonly label: string; readonly probabilities: Readonly<Record<string, number>> }
  | { readonly value: number };

/** Model outputs (`count x outputUnits`, row-major) as answers in the data's own terms. */
export function decodePredictions(pre: Preprocessor, outputs: Float32Array, count: number): Prediction[] {
  if (pre.target.kind === 'standardized') return [...decodeTargets(pre, outputs)].map((value) => ({ value }));
  const classes = pre.target.classes;
  return Array.from({ length: count }, (_, i) => {
    const row = outputs.subarray(i * classes.length, (i + 1) * classes.length);
    let best = 0;
    for (let c = 1; c < classes.length; c++) if ((row[c] as number) > (row[best] as number)) best = c;
    return { label: classes[best] as string, probabilities: Object.fromEntries(classes.map((name, c) => [name, row[c] as number])) };
  });
}
