/**
 * The metrics module: the metric vocabulary, the classification and regression metric
 * computations, comparison in a metric's direction, and the summary across folds.
 */
import { METRIC_NAMES } from './names.js';
import type { Direction, Metrics } from './names.js';

export * from './names.js';
export { classificationMetrics } from './classification.js';
export { regressionMetrics } from './regression.js';

/**
 * Whether `a` is strictly better than `b` in the given direction. NaN is worse than any
 * number, so a real value always beats NaN and NaN never beats anything.
 */
export function betterThan(a: number, b: number, direction: Direction): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return direction === 'maximize' ? a > b : a < b;
}

/**
 * Per-metric mean and population standard deviation across folds. A fold where a metric is
 * missing (or NaN) is left out of that metric's statistics; a metric missing from every
 * fold is missing from the summary.
 */
export function summarize(values: readonly Metrics[]): { mean: Metrics; std: Metrics } {
  const mean: Metrics = {};
  const std: Metrics = {};
  for (const name of METRIC_NAMES) {
    let count = 0;
    let sum = 0;
    for (const fold of values) {
      const value = fold[name];
      if (value === undefined || Number.isNaN(value)) continue;
      count++;
      sum += value;
    }
    if (count === 0) continue;
    const average = sum / count;
    let squares = 0;
    for (const fold of values) {
      const value = fold[name];
      if (value === undefined || Number.isNaN(value)) continue;
      squares += (value - average) ** 2;
    }
    mean[name] = average;
    std[name] = Math.sqrt(squares / count);
  }
  return { mean, std };
}
