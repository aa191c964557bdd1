/**
 * The example datasets prepared as a search prepares them: the spec's problem and
 * evaluation plan, preprocessing fitted on the development examples, a small encoded
 * training share and the encoded test split; plus short seeded training and tfjs
 * predictions, so the export tests compare runtimes on real data and non-trivial weights.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { planEvaluation } from '../../../src/core/data/plan.js';
import { encodeExamples, fitPreprocessor, type Encoded, type Preprocessor } from '../../../src/core/data/preprocess.js';
import { dataShapeOf, defineProblem, type Problem } from '../../../src/core/data/problem.js';
import { parseCsv } from '../../../src/core/data/table.js';
import { describeArchitecture } from '../../../src/core/models/architecture.js';
import { buildModel } from '../../../src/core/models/build.js';
import type { Architecture, DataShape } from '../../../src/core/models/types.js';
import type { Assignment } from '../../../src/core/space/space.js';
import { parseSpecText } from '../../../src/core/spec/parse.js';
import { predict, trainModel } from '../../../src/core/training/train.js';
import { EXAMPLES } from '../../helpers.js';

export interface PreparedExample {
  readonly problem: Problem;
  readonly preprocessor: Preprocessor;
  readonly dataShape: DataShape;
  /** A share of the development examples, encoded, to train on briefly. */
  readonly train: Encoded;
  /** The held-out test split, encoded. */
  readonly test: Encoded;
}

const cache = new Map<string, PreparedExample>();

/** Prepare `examples/<name>.yaml` (memoized per test file). */
export function prepareExample(name: string, trainExamples = 400): PreparedExample {
  const known = cache.get(name);
  if (known) return known;
  const spec = parseSpecText(readFileSync(join(EXAMPLES, `${name}.yaml`), 'utf8'), `${name}.yaml`);
  const path = resolve(EXAMPLES, spec.dataset.uri);
  const problem = defineProblem(parseCsv(readFileSync(path, 'utf8'), path), spec.dataset, spec.task);
  const plan = planEvaluation(problem, spec.evaluation, spec.seed);
  const preprocessor = fitPreprocessor(problem, plan.development);
  const prepared = {
    problem,
    preprocessor,
    dataShape: dataShapeOf(problem),
    train: encodeExamples(preprocessor, problem, plan.development.subarray(0, trainExamples)),
    test: encodeExamples(preprocessor, problem, plan.test),
  };
  cache.set(name, prepared);
  return prepared;
}

/** Build an assignment's model for an example and train it for a couple of epochs. */
export async function trainedModel(
  example: PreparedExample,
  assignment: Assignment,
  seed = 5,
  epochs = 2,
): Promise<{ architecture: Architecture; model: tf.LayersModel }> {
  const architecture = describeArchitecture(assignment, example.dataShape);
  const model = buildModel(architecture, seed);
  await trainModel(model, example.train, null, {
    epochs,
    batchSize: 32,
    learningRate: 0.01,
    optimizer: 'adam',
    patience: epochs,
    seed,
    classCount: example.dataShape.task === 'classification' ? example.dataShape.outputUnits : 0,
    inputShape: example.dataShape.inputShape,
  });
  return { architecture, model };
}

/** The tfjs model's outputs on the test split, row-major. */
export function tfjsPredictions(example: PreparedExample, model: tf.LayersModel): Float32Array {
  return predict(model, example.test, example.dataShape.inputShape);
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
