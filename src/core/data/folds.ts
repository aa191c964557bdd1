/**
 * A fold made ready for training: preprocessing fitted on the fold's training examples
 * (fit and early-stop parts), then every part encoded with it. Independent of any
 * candidate's hyperparameters, so one preparation serves every trial.
 */
import type { TrialFold } from './plan.js';
import { encodeExamples, fitPreprocessor, type Encoded, type Preprocessor } from './preprocess.js';
import type { Problem } from './problem.js';

/** A fold's data, encoded with preprocessing fitted on its training examples. */
export interface PreparedFold {
  readonly preprocessor: Preprocessor;
  readonly fit: Encoded;
  readonly stop: Encoded;
  readonly score: Encoded;
}

/** Encode one fold: fit preprocessing on its training examples (fit + stop), never on its score examples. */
export function prepareFold(problem: Problem, fold: TrialFold): PreparedFold {
  const training = new Int32Array(fold.fit.length + fold.stop.length);
  training.set(fold.fit);
  training.set(fold.stop, fold.fit.length);
  const preprocessor = fitPreprocessor(problem, training);
  return {
    preprocessor,
    fit: encodeExamples(preprocessor, problem, fold.fit),
    stop: encodeExamples(preprocessor, problem, fold.stop),
    score: encodeExamples(preprocessor, problem, fold.score),
  };
}

