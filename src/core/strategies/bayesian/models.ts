/**
 * Building the models a proposal needs from the history: the objective process
 * (standardized, minimized values of completed trials) and, when some trials were
 * infeasible, the feasibility process (±1 labels). Hyperparameters are warm-started from
 * the previous call's fit (kept in the strategy state) with a work budget that shrinks as
 * the history grows, and fitted from several starts when there is nothing to warm-start.
 */
import type { Rng } from '../../random.js';
import type { Assignment } from '../../space/space.js';
import type { Observation } from '../strategy.js';
import type { SpaceEncoding } from './encoding.js';
import {
  CLASSIFIER_PRIOR,
  defaultHyperparameters,
  fitHyperparameters,
  GaussianProcess,
  hyperparameterBounds,
  OBJECTIVE_PRIOR,
  type HyperparameterPrior,
  type TrainingData,
} from './gaussian-process.js';
import { hyperparameterLayout } from './kernel.js';

/** Fitted hyperparameters as kept in the strategy state (plain JSON). */
export interface ModelState {
  /** Features the process was fitted on (a changed space invalidates the fit). */
  readonly features: number;
  /** The hyperparameter vector (see `hyperparameterLayout`). */
  readonly theta: readonly number[];
  /** Observations the fit used. */
  readonly observations: number;
}

/** Objective evaluations of a fit from scratch, per start. */
const FULL_FIT_EVALUATIONS = 80;
/** Up to this many observations every call refits (warm-started)... */
const ALWAYS_REFIT_UP_TO = 100;
/** ...beyond, a fit is reused until the data grew by this fraction. */
const REFIT_GROWTH = 0.05;
/** Fewest evaluations a warm-started fit gets, however large the history. */
const MIN_FIT_EVALUATIONS = 10;
/** Fewest evaluations per start of a fit from scratch. */
const MIN_COLD_FIT_EVALUATIONS = 40;
/** Hyperparameters are fitted on at most this many observations, spread evenly over the history. */
const FIT_SUBSET = 128;
/** While the history is at most this long, every fifth fit also restarts from the neutral point. */
const RESTART_UP_TO = 60;

/** Evaluation budget of a warm-started fit on `n` observations: each costs O(n³), so fewer as n grows. */
export function fitBudget(n: number): number {
  return Math.max(MIN_FIT_EVALUATIONS, Math.min(FULL_FIT_EVALUATIONS, Math.round(FULL_FIT_EVALUATIONS * (64 / n) ** 3)));
}

/** A random starting point inside the bounds, around the neutral one. */
function randomStart(prior: HyperparameterPrior, dimension: number, rng: Rng): Float64Array {
  const layout = hyperparameterLayout(dimension);
  const { lower, upper } = hyperparameterBounds(prior, dimension);
  const theta = defaultHyperparameters(dimension);
  for (let d = 0; d < dimension; d++) theta[d] = (theta[d] as number) + 0.8 * rng.normal();
  theta[layout.signal] = (theta[layout.signal] as number) + 0.7 * rng.normal();
  theta[layout.noise] = (theta[layout.noise] as number) + 1.5 * rng.normal();
  for (let i = 0; i < layout.size; i++) theta[i] = Math.min(upper[i] as number, Math.max(lower[i] as number, theta[i] as number));
  return theta;
}

/**
 * At most `limit` observations, evenly spaced over the history (early space-filling
 * points and late exploitative ones alike): the subset the hyperparameters are fitted on
 * once the history is long, so a fit costs O(limit³) whatever its length.
 */
export function fittingSubset(data: TrainingData, limit: number): TrainingData {
  if (data.count <= limit) return data;
  const { dimension } = data;
  const x = new Float64Array(limit * dimension);
  const y = new Float64Array(limit);
  for (let j = 0; j < limit; j++) {
    const i = Math.floor((j * data.count) / limit);
    x.set(data.x.subarray(i * dimension, (i + 1) * dimension), j * dimension);
    y[j] = data.y[i] as number;
  }
  return { x, y, count: limit, dimension };
}

/**
 * Fit hyperparameters, warm-starting from `previous` when it fits the same features. Long
 * histories reuse a fit until they grew by a few percent, and fit on an evenly spread subset.
 */
export function fitModel(
  data: TrainingData,
  prior: HyperparameterPrior,
  previous: ModelState | null | undefined,
  rng: Rng,
): { theta: Float64Array; state: ModelState } {
  const layout = hyperparameterLayout(data.dimension);
  const n = data.count;
  const warm =
    previous && previous.features === data.dimension && previous.theta.length === layout.size && previous.theta.every(Number.isFinite)
      ? Float64Array.from(previous.theta)
      : undefined;
  const { lower, upper } = hyperparameterBounds(prior, data.dimension);
  const neutral = defaultHyperparameters(data.dimension);
  for (let i = 0; i < layout.size; i++) neutral[i] = Math.min(upper[i] as number, Math.max(lower[i] as number, neutral[i] as number));
  let starts: Float64Array[];
  let budget: number;
  if (warm && previous && n > ALWAYS_REFIT_UP_TO && previous.observations <= n && n - previous.observations < Math.ceil(REFIT_GROWTH * n)) {
    return { theta: warm, state: previous };
  }
  const subset = fittingSubset(data, FIT_SUBSET);
  if (warm) {
    starts = [warm];
    if (n <= RESTART_UP_TO && n % 5 === 0) starts.push(neutral);
    budget = fitBudget(subset.count);
  } else {
    starts = [neutral, randomStart(prior, data.dimension, rng), randomStart(prior, data.dimension, rng)];
    budget = Math.max(MIN_COLD_FIT_EVALUATIONS, fitBudget(subset.count));
  }
  const fitted = fitHyperparameters(subset, prior, starts, budget);
  return { theta: fitted.theta, state: { features: data.dimension, theta: Array.from(fitted.theta), observations: n } };
}

/** Training data from encoded assignments and targets. */
export function trainingData(encoding: SpaceEncoding, assignments: readonly Assignment[], targets: readonly number[]): TrainingData {
  const dimension = encoding.featureCount;
  const x = new Float64Array(assignments.length * dimension);
  assignments.forEach((a, i) => encoding.encode(a, x.subarray(i * dimension, (i + 1) * dimension)));
  return { x, y: Float64Array.from(targets), count: assignments.length, dimension };
}

/** Linear-interpolation quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const at = q * (sorted.length - 1);
  const low = Math.floor(at);
  const high = Math.min(sorted.length - 1, low + 1);
  return (sorted[low] as number) + (at - low) * ((sorted[high] as number) - (sorted[low] as number));
}

/**
 * Targets for the objective process from minimized values: bad outliers (beyond the third
 * quartile plus three interquartile ranges) are compressed logarithmically, so one
 * diverged trial cannot flatten the rest, then everything is standardized to zero mean
 * and unit variance (a constant series maps to zeros).
 */
export function objectiveTargets(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const spread = q3 - q1;
  const fence = q3 + 3 * spread;
  const squashed = spread > 0 ? values.map((v) => (v > fence ? fence + spread * Math.log1p((v - fence) / spread) : v)) : [...values];
  return standardize(squashed);
}

/** Standardize values to zero mean and unit variance (a constant series maps to zeros). */
export function standardize(values: readonly number[]): number[] {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const std = Math.sqrt(variance);
  const scale = std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1;
  return values.map((v) => (v - mean) / scale);
}

/** Completed trials with a finite primary value. */
export function completedTrials(history: readonly Observation[]): Observation[] {
  return history.filter((o) => o.outcome === 'completed' && typeof o.value === 'number' && Number.isFinite(o.value));
}

/** Observed points the acquisition search perturbs: the best completed ones. */
const ANCHORS = 5;

/** The objective model of one proposal, and what to keep of it. */
export interface ObjectiveModel {
  /** Posterior of the standardized, minimized objective, with room for `extra` fantasies. */
  readonly process: GaussianProcess;
  /** The lowest posterior mean at an observed point. */
  readonly incumbent: number;
  /** The best observed assignments, best first. */
  readonly anchors: readonly Assignment[];
  readonly state: ModelState;
}

/**
 * Fit the objective process to the completed trials (`sign` turns the primary value into
 * one to minimize) and prepare it for `extra` fantasized points.
 */
export function objectiveModel(
  encoding: SpaceEncoding,
  completed: readonly Observation[],
  sign: number,
  previous: ModelState | null,
  rng: Rng,
  extra: number,
): ObjectiveModel {
  const targets = objectiveTargets(completed.map((o) => sign * (o.value as number)));
  const data = trainingData(
    encoding,
    completed.map((o) => o.assignment),
    targets,
  );
  const fit = fitModel(data, OBJECTIVE_PRIOR, previous, rng);
  const process = new GaussianProcess(data, fit.theta, data.count + extra);
  let incumbent = Number.POSITIVE_INFINITY;
  for (let i = 0; i < data.count; i++) incumbent = Math.min(incumbent, process.trainingMean(i));
  const order = targets.map((_, i) => i).sort((a, b) => (targets[a] as number) - (targets[b] as number) || a - b);
  const anchors = order.slice(0, ANCHORS).map((i) => (completed[i] as Observation).assignment);
  return { process, incumbent, anchors, state: fit.state };
}

/**
 * Fit the feasibility process: completed trials labelled +1, infeasible ones -1 (failed
 * trials say nothing about the constraints and are left out).
 */
export function feasibilityModel(
  encoding: SpaceEncoding,
  completed: readonly Observation[],
  infeasible: readonly Observation[],
  previous: ModelState | null,
  rng: Rng,
): { process: GaussianProcess; state: ModelState } {
  const labelled = [...completed, ...infeasible];
  const data = trainingData(
    encoding,
    labelled.map((o) => o.assignment),
    labelled.map((o) => (o.outcome === 'completed' ? 1 : -1)),
  );
  const fit = fitModel(data, CLASSIFIER_PRIOR, previous, rng);
  return { process: new GaussianProcess(data, fit.theta), state: fit.state };
}
