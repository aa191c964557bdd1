/**
 * Preprocessing fitted on training rows only: numeric columns are standardized and their
 * gaps filled with the training median; text columns are one-hot encoded (levels unseen in
 * training encode as all zeros) with gaps filled by the training mode; image pixels are
 * scaled by the training maximum; regression targets are standardized. The fitted
 * {@link Preprocessor} is plain JSON, saved with every model and read by generated code.
 */
import { DatasetError } from '../errors.js';
import { inputRows, targetRow, type Problem } from './problem.js';
import type { Table } from './table.js';

export interface NumericEncoder {
  readonly kind: 'numeric';
  readonly column: string;
  /** Encoded value = (x - center) / scale. */
  readonly center: number;
  readonly scale: number;
  /** Used for a missing value (before centering). */
  readonly fill: number;
}

export interface OneHotEncoder {
  readonly kind: 'onehot';
  readonly column: string;
  /** One output per level, in this order (the full vocabulary, so widths never vary). */
  readonly levels: readonly string[];
  /** Levels seen in the fitting rows; unseen ones encode as zeros. */
  readonly known: readonly boolean[];
  /** Used for a missing value; null when no training row had one. */
  readonly fill: string | null;
}

export type FeatureEncoder = NumericEncoder | OneHotEncoder;

export type TargetEncoder =
  | { readonly kind: 'classes'; readonly column: string; readonly classes: readonly string[] }
  | { readonly kind: 'standardized'; readonly column: string; readonly center: number; readonly scale: number };

export interface Preprocessor {
  readonly format: 'modelsmith.preprocessor/1';
  readonly kind: Problem['kind'];
  readonly features: readonly FeatureEncoder[];
  readonly target: TargetEncoder;
  /** Shape of one model input: [width], [h, w, c] or [window, width]. */
  readonly inputShape: readonly number[];
  readonly window: number;
  readonly horizon: number;
}

/** Encoded arrays for a set of examples, ready to become tensors. */
export interface Encoded {
  readonly count: number;
  /** Row-major inputs, `count` x product(inputShape). */
  readonly x: Float32Array;
  /** Class index or standardized target per example. */
  readonly y: Float32Array;
}

/** Rows whose values the fit may look at: every input row of the given examples. */
function rowsOf(problem: Problem, examples: ArrayLike<number>): Int32Array {
  if (problem.kind !== 'sequence') return Int32Array.from(examples);
  const rows = new Set<number>();
  for (let i = 0; i < examples.length; i++) for (const r of inputRows(problem, examples[i] as number)) rows.add(r);
  return Int32Array.from(rows);
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

/** Fit a preprocessor on the given examples (indices into the problem's rows/windows). */
export function fitPreprocessor(problem: Problem, examples: ArrayLike<number>): Preprocessor {
  const rows = rowsOf(problem, examples);
  const imageMax = problem.kind === 'image' ? imageScale(problem, rows) : 0;
  const features = problem.features.map((column): FeatureEncoder => {
    if (column.kind === 'categorical') {
      const counts = new Array<number>(column.levels.length).fill(0);
      for (const r of rows) {
        const code = column.codes[r] as number;
        if (code >= 0) counts[code] = (counts[code] as number) + 1;
      }
      const mode = counts.reduce((best, c, i) => (c > (counts[best] as number) ? i : best), 0);
      return {
        kind: 'onehot',
        column: column.name,
        levels: column.levels,
        known: counts.map((c) => c > 0),
        fill: (counts[mode] as number) > 0 ? (column.levels[mode] as string) : null,
      };
    }
    const present: number[] = [];
    for (const r of rows) {
      const v = column.values[r] as number;
      if (!Number.isNaN(v)) present.push(v);
    }
    const fill = median(present.slice());
    if (problem.kind === 'image') return { kind: 'numeric', column: column.name, center: 0, scale: imageMax, fill };
    const mean = present.length ? present.reduce((s, v) => s + v, 0) / present.length : 0;
    const variance = present.length ? present.reduce((s, v) => s + (v - mean) ** 2, 0) / present.length : 0;
    return { kind: 'numeric', column: column.name, center: mean, scale: variance > 1e-24 ? Math.sqrt(variance) : 1, fill };
  });
  return {
    format: 'modelsmith.preprocessor/1',
    kind: problem.kind,
    features,
    target: fitTarget(problem, examples),
    inputShape: inputShapeOf(problem, features),
    window: problem.window,
    horizon: problem.horizon,
  };
}

function imageScale(problem: Problem, rows: Int32Array): number {
  let max = 0;
  for (const column of problem.features) {
    if (column.kind !== 'numeric') continue;
    for (const r of rows) {
      const v = Math.abs(column.values[r] as number);
      if (v > max) max = v;
    }
  }
  return max > 0 ? max : 1;
}

function fitTarget(problem: Problem, examples: ArrayLike<number>): TargetEncoder {
  if (problem.task === 'classification') return { kind: 'classes', column: problem.target.name, classes: problem.classes };
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < examples.length; i++) {
    const v = problem.targets[targetRow(problem, examples[i] as number)] as number;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / examples.length;
  const variance = Math.max(0, sumSq / examples.length - mean * mean);
  return { kind: 'standardized', column: problem.target.name, center: mean, scale: variance > 1e-24 ? Math.sqrt(variance) : 1 };
}

function encodedWidth(features: readonly FeatureEncoder[]): number {
  return features.reduce((n, f) => n + (f.kind === 'numeric' ? 1 : f.levels.length), 0);
}

function inputShapeOf(problem: Problem, features: readonly FeatureEncoder[]): number[] {
  const width = encodedWidth(features);
  if (problem.kind === 'image') return [...(problem.imageShape as readonly number[])];
  if (problem.kind === 'sequence') return [problem.window, width];
  return [width];
}

/** Encode table rows into a `rows.length` x width matrix. */
export function encodeRows(pre: Preprocessor, table: Table, rows: ArrayLike<number>): Float32Array {
  const width = encodedWidth(pre.features);
  const out = new Float32Array(rows.length * width);
  let offset = 0;
  for (const encoder of pre.features) {
    const column = table.columns.find((c) => c.name === encoder.column);
    if (!column) throw new DatasetError(`the data has no column ${encoder.column}, which the model needs`);
    if (encoder.kind === 'numeric') {
      if (column.kind !== 'numeric') throw new DatasetError(`column ${encoder.column} holds text; the model expects numbers`);
      for (let i = 0; i < rows.length; i++) {
        const v = column.values[rows[i] as number] as number;
        out[i * width + offset] = ((Number.isNaN(v) ? encoder.fill : v) - encoder.center) / encoder.scale;
      }
      offset += 1;
      continue;
    }
    // Map the table's level codes onto the encoder's one-hot slots once per column.
    const levels = column.kind === 'categorical' ? column.levels : null;
    const slotOf = new Map(encoder.levels.map((l, i) => [l, encoder.known[i] ? i : -1]));
    const fillSlot = encoder.fill === null ? -1 : (slotOf.get(encoder.fill) ?? -1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as number;
      let text: string | undefined;
      if (levels && column.kind === 'categorical') {
        const code = column.codes[row] as number;
        text = code >= 0 ? levels[code] : undefined;
      } else if (column.kind === 'numeric') {
        const v = column.values[row] as number;
        text = Number.isNaN(v) ? undefined : String(v);
      }
      const slot = text === undefined ? fillSlot : (slotOf.get(text) ?? -1);
      if (slot >= 0) out[i * width + offset + slot] = 1;
    }
    offset += encoder.levels.length;
  }
  return out;
}

/** Encode examples (inputs and targets) for training or scoring. */
export function encodeExamples(pre: Preprocessor, problem: Problem, examples: ArrayLike<number>): Encoded {
  const count = examples.length;
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const value = problem.targets[targetRow(problem, examples[i] as number)] as number;
    y[i] = pre.target.kind === 'standardized' ? (value - pre.target.center) / pre.target.scale : value;
  }
  if (problem.kind !== 'sequence') return { count, x: encodeRows(pre, problem.table, examples), y };
  // Encode each needed row once, then gather windows.
  const rows = rowsOf(problem, examples);
  const width = encodedWidth(pre.features);
  const encoded = encodeRows(pre, problem.table, rows);
  const slot = new Map<number, number>();
  rows.forEach((r, i) => slot.set(r, i));
  const x = new Float32Array(count * problem.window * width);
  for (let i = 0; i < count; i++) {
    const windowRows = inputRows(problem, examples[i] as number);
    for (let t = 0; t < windowRows.length; t++) {
      const from = (slot.get(windowRows[t] as number) as number) * width;
      x.set(encoded.subarray(from, from + width), (i * problem.window + t) * width);
    }
  }
  return { count, x, y };
}

/** Undo target standardization on model outputs (regression); identity otherwise. */
export function decodeTargets(pre: Preprocessor, values: Float32Array): Float32Array {
  if (pre.target.kind !== 'standardized') return values;
  const { center, scale } = pre.target;
  return values.map((v) => v * scale + center);
}
