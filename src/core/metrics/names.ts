/**
 * The metric vocabulary: which metrics exist, which task each belongs to, and which
 * direction is better. The spec schema, the objective and the leaderboard read it here.
 */

export const CLASSIFICATION_METRICS = [
  'accuracy',
  'precision_macro',
  'precision_weighted',
  'recall_macro',
  'recall_weighted',
  'f1_macro',
  'f1_weighted',
  'roc_auc',
  'log_loss',
] as const;

export const REGRESSION_METRICS = ['rmse', 'mae', 'r2'] as const;

export type ClassificationMetric = (typeof CLASSIFICATION_METRICS)[number];
export type RegressionMetric = (typeof REGRESSION_METRICS)[number];
export type MetricName = ClassificationMetric | RegressionMetric;

export const METRIC_NAMES: readonly MetricName[] = [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS];

export type Direction = 'maximize' | 'minimize';

/** Measures of a model's size and speed that can be objectives too (always minimized). */
export const SIZE_METRICS = ['params', 'flops', 'latency_ms'] as const;
export type SizeMetric = (typeof SIZE_METRICS)[number];

/** Anything a search can optimize: a quality metric, or a size measure. */
export type ObjectiveMetric = MetricName | SizeMetric;

/** Whether a metric measures size or speed rather than quality. */
export function isSizeMetric(metric: string): metric is SizeMetric {
  return (SIZE_METRICS as readonly string[]).includes(metric);
}

const LOWER_IS_BETTER: ReadonlySet<MetricName> = new Set<MetricName>(['log_loss', 'rmse', 'mae']);

/** The direction in which a metric improves. */
export function metricDirection(metric: ObjectiveMetric): Direction {
  return isSizeMetric(metric) || LOWER_IS_BETTER.has(metric) ? 'minimize' : 'maximize';
}

/** Metrics reported for a task, in display order. */
export function metricsForTask(task: 'classification' | 'regression'): readonly MetricName[] {
  return task === 'classification' ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
}

/** A set of named metric values. Missing entries were not computable (e.g. AUC with one class). */
export type Metrics = Partial<Record<MetricName, number>>;
