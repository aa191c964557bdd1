/**
 * `preprocessing.json`, the one file of fitted parameters every generated target reads:
 * the encoders modelsmith fitted (centers, scales, fills, one-hot levels), the target's
 * classes or scaling, the example layout and the column names. Names live only here, as
 * JSON data; the generated code never spells them.
 */
import type { FeatureEncoder, TargetEncoder } from '../data/preprocess.js';
import type { CodegenInput } from './input.js';

export const PREPROCESSING_FORMAT = 'modelsmith.preprocessing/1';

export interface PreprocessingDocument {
  readonly format: typeof PREPROCESSING_FORMAT;
  readonly model: { readonly name: string; readonly version: number };
  readonly task: 'classification' | 'regression';
  /** tabular rows, images from flat pixel columns, or windows of consecutive rows. */
  readonly kind: 'tabular' | 'image' | 'sequence';
  /** Input columns in encoding order, with their fitted parameters. */
  readonly features: readonly FeatureEncoder[];
  readonly target: TargetEncoder;
  /** One example's shape as the model reads it. */
  readonly inputShape: readonly number[];
  /** Sequence kind: rows per example, and how many rows ahead the target lies. */
  readonly window: number;
  readonly horizon: number;
  /** Sequence kind: the column that orders the rows; null for file order. */
  readonly orderBy: string | null;
}

/** The shared parameters document of a (checked) input. */
export function preprocessingDocument(input: CodegenInput): PreprocessingDocument {
  const { preprocessor, problem, model } = input;
  return {
    format: PREPROCESSING_FORMAT,
    model: { name: model.name, version: model.version },
    task: problem.task,
    kind: preprocessor.kind,
    features: preprocessor.features,
    target: preprocessor.target,
    inputShape: preprocessor.inputShape,
    window: preprocessor.window,
    horizon: preprocessor.horizon,
    orderBy: problem.orderBy,
  };
}
