/**
 * The median stopping rule, as data. Between trials, {@link medianStoppingRule} turns the
 * learning curves of completed trials into per-epoch thresholds (plain JSON, so it can
 * travel with a trial to any worker); during training, {@link shouldPrune} compares a
 * trial's curve so far against them after each epoch.
 *
 * Convention: a curve is the value recorded after each epoch, `curve[0]` after epoch 1,
 * and LOWER IS BETTER (e.g. validation loss). Negate a metric that is better higher.
 */

/** Prune when the best value so far is worse than the threshold of the epoch just finished. */
export interface ThresholdRule {
  readonly kind: 'thresholds';
  /** Epochs every trial trains before it can be pruned. */
  readonly warmupEpochs: number;
  /** `thresholds[e - 1]` applies after epoch `e`; later epochs are never pruned. */
  readonly thresholds: readonly number[];
}

/** A pruning rule a training loop applies after each epoch. */
export type PruningRule = ThresholdRule;

/** Settings of the median stopping rule. */
export interface MedianStoppingOptions {
  /** Epochs (from the first) during which no trial is pruned. */
  readonly warmupEpochs: number;
  /** Completed curves that must reach an epoch for that epoch to get a threshold. */
  readonly minTrials: number;
}

/** The best (lowest) finite value of each prefix of a curve; NaN until the first finite value. */
function runningBest(curve: readonly number[]): number[] {
  let best = NaN;
  return curve.map((v) => {
    if (Number.isFinite(v) && (Number.isNaN(best) || v < best)) best = v;
    return best;
  });
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The rule for trials starting now: after epoch `e`, the median over the completed curves
 * that reached epoch `e` of their best value up to `e`. Thresholds stop at the first epoch
 * fewer than `minTrials` curves (with a finite value by then) reached. Null when no epoch
 * after the warm-up has a threshold, i.e. nothing could be pruned.
 */
export function medianStoppingRule(curves: readonly (readonly number[])[], options: MedianStoppingOptions): PruningRule | null {
  const { warmupEpochs, minTrials } = options;
  if (!(Number.isInteger(warmupEpochs) && warmupEpochs >= 0)) throw new RangeError(`warmupEpochs must be a whole number, not ${warmupEpochs}`);
  if (!(Number.isInteger(minTrials) && minTrials >= 1)) throw new RangeError(`minTrials must be a positive whole number, not ${minTrials}`);
  const bests = curves.map(runningBest);
  const thresholds: number[] = [];
  for (let epoch = 0; ; epoch++) {
    const values = bests.map((b) => b[epoch]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length < minTrials) break;
    thresholds.push(median(values.sort((a, b) => a - b)));
  }
  return thresholds.length > warmupEpochs ? { kind: 'thresholds', warmupEpochs, thresholds } : null;
}

/**
 * Whether to stop a trial after the epochs in `curveSoFar` (same convention: lower is
 * better): its best value so far is strictly worse than the threshold of the epoch just
 * finished. Never during the warm-up or past the last threshold; a curve with no finite
 * value after the warm-up is pruned.
 */
export function shouldPrune(rule: PruningRule, curveSoFar: readonly number[]): boolean {
  const epoch = curveSoFar.length;
  const threshold = rule.thresholds[epoch - 1];
  if (epoch <= rule.warmupEpochs || threshold === undefined) return false;
  const best = runningBest(curveSoFar)[epoch - 1] as number;
  return Number.isNaN(best) || best > threshold;
}
