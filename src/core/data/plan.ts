/**
 * The evaluation plan of a search: which examples are held out for the final test, and
 * the cross-validation folds (each with an inner validation share for early stopping).
 * It depends only on the problem, the `evaluation` block and the seed, so every trial —
 * in any worker, Lambda or container — is scored on exactly the same folds.
 */
import { createRng } from '../random.js';
import type { SearchSpec } from '../spec/schema.js';
import type { Problem } from './problem.js';
import { holdOut, kFolds, type Fold, type SplitMode } from './split.js';

export interface TrialFold {
  /** Examples the model fits on. */
  readonly fit: Int32Array;
  /** Examples watched for early stopping. */
  readonly stop: Int32Array;
  /** Examples the fold is scored on. */
  readonly score: Int32Array;
}

export interface EvaluationPlan {
  /** Every example outside the test split. */
  readonly development: Int32Array;
  /** Held out; scored once, for the final model only. */
  readonly test: Int32Array;
  readonly folds: readonly TrialFold[];
}

/** How this problem's examples are split. */
export function splitModeOf(problem: Problem): SplitMode {
  if (problem.kind === 'sequence') return { kind: 'ordered' };
  if (problem.task === 'classification') {
    return { kind: 'stratified', labels: Int32Array.from(problem.targets, (v) => (Number.isNaN(v) ? -1 : v)), classes: problem.classes };
  }
  return { kind: 'shuffled' };
}

/** Build the plan; throws a DatasetError naming the setting when the data is too small. */
export function planEvaluation(problem: Problem, evaluation: SearchSpec['evaluation'], seed: number): EvaluationPlan {
  const mode = splitModeOf(problem);
  const outer = holdOut(problem.examples, evaluation.testFraction, mode, createRng(seed, 'split', 'test'));
  const folds = kFolds(outer.train, evaluation.folds, mode, createRng(seed, 'split', 'folds'));
  return {
    development: outer.train,
    test: outer.validation,
    folds: folds.map((fold: Fold, i): TrialFold => {
      const inner = holdOut(fold.train, evaluation.validationFraction, mode, createRng(seed, 'split', 'inner', i));
      return { fit: inner.train, stop: inner.validation, score: fold.validation };
    }),
  };
}
