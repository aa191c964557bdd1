/**
 * Classification metrics from true class indices and predicted class probabilities,
 * following scikit-learn's definitions so reported numbers can be checked against it.
 */
import type { Metrics } from './names.js';

/** Machine epsilon of float32, used to clip probabilities that arrive as a Float32Array. */
const FLOAT32_EPSILON = 2 ** -23;

/**
 * Every classification metric of names.ts for one set of predictions.
 *
 * - `yTrue`: n class indices in 0..classCount-1.
 * - `probabilities`: row-major n×classCount matrix of predicted class probabilities.
 *
 * Semantics (scikit-learn's):
 * - The predicted class is the argmax of a row; ties go to the lowest index.
 * - precision/recall/F1 are averaged over the classes occurring in yTrue or in the
 *   predictions (`labels=None`); macro is the plain mean, weighted uses the yTrue counts;
 *   a 0/0 ratio counts as 0 (`zero_division=0`).
 * - roc_auc: for two classes, the AUC of the class-1 probability (ties count half); for
 *   more, the one-vs-rest macro average (`multi_class='ovr', average='macro'`). It is
 *   omitted when any class of 0..classCount-1 is absent from yTrue: one-vs-rest AUC is then
 *   undefined for that class and scikit-learn raises rather than averaging the rest.
 *   (scikit-learn also refuses multiclass rows that do not sum to 1; here they are used
 *   as given.)
 * - log_loss: labels are 0..classCount-1; probabilities are clipped to [eps, 1 - eps]
 *   (eps = float32 epsilon for a Float32Array, float64 epsilon otherwise, as scikit-learn
 *   picks it from the dtype) and each row is renormalized to sum to 1 before the log, as
 *   scikit-learn did before 1.5 (1.5 and later only clip, and warn about rows that do not
 *   sum to 1; the two agree to float64 rounding when rows do sum to 1).
 *
 * @throws RangeError on empty input, mismatched lengths, a class index outside
 *   0..classCount-1, a non-finite probability, or fewer than two classes.
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
): Metrics {
  const n = yTrue.length;
  const k = classCount;
  if (!Number.isInteger(k) || k < 2) {
    throw new RangeError(`classificationMetrics: classCount must be an integer >= 2, got ${k}`);
  }
  if (n === 0) throw new RangeError('classificationMetrics: yTrue is empty');
  if (probabilities.length !== n * k) {
    throw new RangeError(
      `classificationMetrics: probabilities has length ${probabilities.length}, ` +
        `expected yTrue length ${n} × ${k} classes = ${n * k}`,
    );
  }

  const eps = probabilities instanceof Float32Array ? FLOAT32_EPSILON : Number.EPSILON;
  const trueCount = new Float64Array(k);
  const predCount = new Float64Array(k);
  const truePositives = new Float64Array(k);
  let logLossSum = 0;

  for (let i = 0; i < n; i++) {
    const label = yTrue[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= k) {
      throw new RangeError(`classificationMetrics: yTrue[${i}] = ${label} is not a class index in 0..${k - 1}`);
    }
    const row = i * k;
    let best = 0;
    let bestProbability = -Infinity;
    let clippedSum = 0;
    for (let c = 0; c < k; c++) {
      const p = probabilities[row + c]!;
      if (!Number.isFinite(p)) {
        throw new RangeError(`classificationMetrics: probability of class ${c} in row ${i} is ${p}`);
      }
      if (p > bestProbability) {
        bestProbability = p;
        best = c;
      }
      clippedSum += clip(p, eps);
    }
    trueCount[label]!++;
    predCount[best]!++;
    if (best === label) truePositives[label]!++;
    logLossSum -= Math.log(clip(probabilities[row + label]!, eps) / clippedSum);
  }

  let correct = 0;
  let labelCount = 0;
  const macro = { precision: 0, recall: 0, f1: 0 };
  const weighted = { precision: 0, recall: 0, f1: 0 };
  for (let c = 0; c < k; c++) {
    const tp = truePositives[c]!;
    const support = trueCount[c]!;
    const predicted = predCount[c]!;
    correct += tp;
    if (support === 0 && predicted === 0) continue; // not among sklearn's labels
    labelCount++;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = (2 * tp) / (support + predicted); // 2tp / (2tp + fp + fn); denominator > 0 here
    macro.precision += precision;
    macro.recall += recall;
    macro.f1 += f1;
    weighted.precision += precision * support;
    weighted.recall += recall * support;
    weighted.f1 += f1 * support;
  }

  const metrics: Metrics = {
    accuracy: correct / n,
    precision_macro: macro.precision / labelCount,
    precision_weighted: weighted.precision / n,
    recall_macro: macro.recall / labelCount,
    recall_weighted: weighted.recall / n,
    f1_macro: macro.f1 / labelCount,
    f1_weighted: weighted.f1 / n,
  };
  const auc = rocAuc(yTrue, probabilities, k, trueCount);
  if (auc !== undefined) metrics.roc_auc = auc;
  metrics.log_loss = logLossSum / n;
  return metrics;
}

function clip(p: number, eps: number): number {
  return p < eps ? eps : p > 1 - eps ? 1 - eps : p;
}

/**
 * Binary AUC of column 1 for two classes, else the one-vs-rest macro average; undefined
 * when a class is absent from yTrue. Each class costs two native typed-array sorts into
 * buffers shared by all classes.
 */
function rocAuc(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  k: number,
  trueCount: Float64Array,
): number | undefined {
  if (trueCount.some((count) => count === 0)) return undefined;
  const n = yTrue.length;
  const positives = new Float64Array(n);
  const negatives = new Float64Array(n);
  const columns = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
  let total = 0;
  for (const c of columns) {
    let p = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      const score = probabilities[i * k + c]!;
      if (yTrue[i] === c) positives[p++] = score;
      else negatives[q++] = score;
    }
    total += mannWhitneyAuc(positives.subarray(0, p).sort(), negatives.subarray(0, q).sort());
  }
  return total / columns.length;
}

/**
 * P(positive score > negative score) + ½·P(equal): the area under the ROC curve with
 * trapezoids across tied scores. Both inputs sorted ascending and non-empty.
 */
function mannWhitneyAuc(positives: Float64Array, negatives: Float64Array): number {
  let below = 0; // negatives strictly below the current positive score
  let notAbove = 0; // negatives at or below it
  let wins = 0; // counts half-wins for ties, so it stays an exact multiple of 0.5
  for (const score of positives) {
    while (below < negatives.length && negatives[below]! < score) below++;
    if (notAbove < below) notAbove = below;
    while (notAbove < negatives.length && negatives[notAbove]! <= score) notAbove++;
    wins += below + 0.5 * (notAbove - below);
  }
  return wins / (positives.length * negatives.length);
}
