/**
 * Scoring a candidate honestly: k-fold cross-validation where each fold fits its own
 * preprocessing on its training examples, trains a fresh model with early stopping on an
 * inner validation share, and is scored on examples it never saw; and the final refit of
 * the winner on all development data, scored once on the held-out test split.
 */
import * as tf from '@tensorflow/tfjs';
import type { EvaluationPlan, TrialFold } from '../data/plan.js';
import { prepareFold, type PreparedFold } from '../data/folds.js';
import { decodeTargets, encodeExamples, fitPreprocessor, type Encoded, type Preprocessor } from '../data/preprocess.js';
import type { Problem } from '../data/problem.js';
import { classificationMetrics, regressionMetrics, summarize } from '../metrics/index.js';
import type { Metrics } from '../metrics/names.js';
import { buildModel } from '../models/build.js';
import type { Architecture } from '../models/types.js';
import { createRng } from '../random.js';
import type { Assignment } from '../space/space.js';
import { predict, trainModel, type EpochObserver, type EpochRecord, type TrainSettings } from './train.js';

export interface FoldResult {
  readonly fold: number;
  readonly metrics: Metrics;
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

export interface CrossValidation {
  readonly folds: readonly FoldResult[];
  readonly mean: Metrics;
  readonly std: Metrics;
}

/** Training settings for an assignment. */
export function trainSettingsFor(
  assignment: Assignment,
  problem: Problem,
  inputShape: readonly number[],
  patience: number,
  seed: number,
  epochs = assignment.epochs as number,
): TrainSettings {
  return {
    epochs,
    batchSize: assignment.batchSize as number,
    learningRate: assignment.learningRate as number,
    optimizer: assignment.optimizer as string,
    patience,
    seed,
    classCount: problem.task === 'classification' ? problem.classes.length : 0,
    inputShape,
  };
}

/** Score a trained model on encoded examples, in the target's original units. */
export function scoreModel(model: tf.LayersModel, data: Encoded, preprocessor: Preprocessor, problem: Problem): Metrics {
  const outputs = predict(model, data, preprocessor.inputShape);
  if (problem.task === 'classification') return classificationMetrics(data.y, outputs, problem.classes.length);
  return regressionMetrics(decodeTargets(preprocessor, data.y), decodeTargets(preprocessor, outputs));
}

export interface CrossValidateOptions {
  readonly problem: Problem;
  readonly plan: EvaluationPlan;
  readonly architecture: Architecture;
  readonly assignment: Assignment;
  readonly patience: number;
  /** The trial's seed: each fold derives its own weights and shuffling from it. */
  readonly seed: number;
  /** Supplies encoded folds; pass a cached version to share work across trials. */
  readonly prepare?: (fold: number) => PreparedFold;
  /** Sees each epoch of each fold; returning false stops that fold. */
  readonly observe?: (fold: number, record: EpochRecord) => boolean | void;
  /** Called after each fold with its result. */
  readonly onFold?: (result: FoldResult) => void | Promise<void>;
  /**
   * Weights each fold starts from, to continue a candidate trained before (a
   * multi-fidelity promotion); undefined starts from the seeded initialization.
   */
  readonly startFrom?: (fold: number) => readonly tf.Tensor[] | undefined;
  /** Sees each fold's trained model before it is disposed, e.g. to keep a checkpoint. */
  readonly keep?: (fold: number, model: tf.LayersModel) => void | Promise<void>;
}

/** Run k-fold cross-validation of one candidate. */
export async function crossValidate(options: CrossValidateOptions): Promise<CrossValidation> {
  const { problem, plan, architecture, assignment } = options;
  const prepare = options.prepare ?? ((f: number) => prepareFold(problem, plan.folds[f] as TrialFold));
  const folds: FoldResult[] = [];
  for (let f = 0; f < plan.folds.length; f++) {
    const data = prepare(f);
    const foldSeed = createRng(options.seed, 'fold', f).seed();
    const model = buildModel(architecture, foldSeed);
    try {
      const start = options.startFrom?.(f);
      if (start) model.setWeights(start as tf.Tensor[]);
      const settings = trainSettingsFor(assignment, problem, data.preprocessor.inputShape, options.patience, foldSeed);
      const observe: EpochObserver | undefined = options.observe ? (r) => options.observe?.(f, r) : undefined;
      const outcome = await trainModel(model, data.fit, data.stop, settings, observe);
      const result: FoldResult = { fold: f, metrics: scoreModel(model, data.score, data.preprocessor, problem), ...outcome };
      folds.push(result);
      await options.keep?.(f, model);
      await options.onFold?.(result);
    } finally {
      model.dispose();
    }
  }
  const { mean, std } = summarize(folds.map((f) => f.metrics));
  return { folds, mean, std };
}

export interface FinalModel {
  readonly model: tf.LayersModel;
  readonly preprocessor: Preprocessor;
  readonly epochs: number;
  readonly history: readonly EpochRecord[];
  /** Scored once, on the held-out test split. */
  readonly testMetrics: Metrics;
  /** What a model with no inputs scores on the same split (see {@link baselineMetrics}). */
  readonly baselineMetrics: Metrics;
}

/**
 * The score of a model that ignores its inputs: for classification it predicts the
 * development set's class frequencies (so its accuracy is the majority-class share), for
 * regression the development mean. A useful model must beat it.
 */
export function baselineMetrics(problem: Problem, development: Encoded, test: Encoded, preprocessor: Preprocessor): Metrics {
  if (problem.task === 'classification') {
    const k = problem.classes.length;
    const prior = new Float64Array(k);
    for (const label of development.y) prior[label] = (prior[label] as number) + 1 / development.count;
    const probabilities = new Float32Array(test.count * k);
    for (let i = 0; i < test.count; i++) probabilities.set(prior, i * k);
    return classificationMetrics(test.y, probabilities, k);
  }
  const mean = development.y.reduce((s, v) => s + v, 0) / development.count;
  return regressionMetrics(decodeTargets(preprocessor, test.y), decodeTargets(preprocessor, new Float32Array(test.count).fill(mean)));
}

/**
 * Refit the winning candidate on every development example for the median of its folds'
 * best epochs, then score it once on the test split. The caller disposes `model`.
 */
export async function fitFinalModel(options: {
  readonly problem: Problem;
  readonly plan: EvaluationPlan;
  readonly architecture: Architecture;
  readonly assignment: Assignment;
  readonly bestEpochs: readonly number[];
  readonly seed: number;
}): Promise<FinalModel> {
  const { problem, plan } = options;
  const sorted = [...options.bestEpochs].sort((a, b) => a - b);
  const epochs = Math.max(1, Math.round(sorted.length ? (sorted[(sorted.length - 1) >> 1] as number) : (options.assignment.epochs as number)));
  const preprocessor = fitPreprocessor(problem, plan.development);
  const development = encodeExamples(preprocessor, problem, plan.development);
  const test = encodeExamples(preprocessor, problem, plan.test);
  const seed = createRng(options.seed, 'final').seed();
  const model = buildModel(options.architecture, seed);
  try {
    const settings = trainSettingsFor(options.assignment, problem, preprocessor.inputShape, 1, seed, epochs);
    const outcome = await trainModel(model, development, null, settings);
    return {
      model,
      preprocessor,
      epochs,
      history: outcome.history,
      testMetrics: scoreModel(model, test, preprocessor, problem),
      baselineMetrics: baselineMetrics(problem, development, test, preprocessor),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
