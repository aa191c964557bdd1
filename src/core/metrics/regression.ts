/**
 * Regression metrics from true and predicted values, following scikit-learn's definitions
 * so reported numbers can be checked against it.
 */
import type { Metrics } from './names.js';

/**
 * rmse, mae and r2 for one set of predictions.
 *
 * r2 follows scikit-learn's `r2_score`: 1 - SS_res / SS_tot; when yTrue is constant it is
 * 1 for exact predictions and 0 otherwise; it is omitted for a single sample (scikit-learn
 * returns NaN there). A constant yTrue is detected by comparing values, not by SS_tot = 0,
 * so a constant such as 0.1, whose float mean is not exactly 0.1, still gives 0 or 1.
 *
 * @throws RangeError on empty input, mismatched lengths or a non-finite value.
 */
export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): Metrics {
  const n = yTrue.length;
  if (yPred.length !== n) {
    throw new RangeError(`regressionMetrics: yTrue has length ${n} but yPred has length ${yPred.length}`);
  }
  if (n === 0) throw new RangeError('regressionMetrics: yTrue is empty');

  const first = yTrue[0]!;
  let constant = true;
  let sumTrue = 0;
  let sumSquaredError = 0;
  let sumAbsoluteError = 0;
  for (let i = 0; i < n; i++) {
    const actual = yTrue[i]!;
    const predicted = yPred[i]!;
    if (!Number.isFinite(actual)) throw new RangeError(`regressionMetrics: yTrue[${i}] is ${actual}`);
    if (!Number.isFinite(predicted)) throw new RangeError(`regressionMetrics: yPred[${i}] is ${predicted}`);
    const error = actual - predicted;
    sumSquaredError += error * error;
    sumAbsoluteError += Math.abs(error);
    sumTrue += actual;
    if (actual !== first) constant = false;
  }

  const metrics: Metrics = {
    rmse: Math.sqrt(sumSquaredError / n),
    mae: sumAbsoluteError / n,
  };
  if (n < 2) return metrics;

  let sumSquaredDeviation = 0;
  if (!constant) {
    const mean = sumTrue / n;
    for (let i = 0; i < n; i++) {
      const deviation = yTrue[i]! - mean;
      sumSquaredDeviation += deviation * deviation;
    }
  }
  metrics.r2 =
    sumSquaredDeviation > 0 ? 1 - sumSquaredError / sumSquaredDeviation : sumSquaredError === 0 ? 1 : 0;
  return metrics;
}
