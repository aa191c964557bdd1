/**
 * Tree-structured Parzen Estimator (TPE). After a random start, observations are split by
 * a value quantile into good and bad; each side gets a Parzen estimator (truncated
 * Gaussian or categorical kernels plus a prior, by default joint across parameters) and
 * the next point is the best of many draws from the good density l(x) by l(x)/g(x). A
 * parameter learns only from observations where it is active; pending trials count as
 * bad, so a batch spreads out.
 */
import type { Direction } from '../metrics/names.js';
import { createRng, type Rng } from '../random.js';
import type { Scalar } from '../space/catalog.js';
import { assignmentKey, isActive, sampleAssignment, snap } from '../space/space.js';
import type { Assignment, Parameter, SearchSpace } from '../space/space.js';
import type { Observation, Proposal, ProposeRequest, Strategy } from './strategy.js';
import { drawNew } from './variation.js';

/** Options of {@link tpeStrategy}; every field has a default. */
export interface TpeOptions {
  /** Completed trials drawn at random before the model is used (default 10). */
  readonly startupTrials?: number;
  /** Draws from l(x) scored by l(x)/g(x) per proposal (default 48). */
  readonly candidates?: number;
  /** Model the parameters jointly (kernels per observation across parameters) rather than one by one (default true). */
  readonly multivariate?: boolean;
  /** Weight of the prior component in each estimator (default 1). */
  readonly priorWeight?: number;
  /** Count pending trials as bad observations so parallel proposals differ (default true). */
  readonly constantLiar?: boolean;
}

/** The TPE state: nothing needs remembering, the history suffices. */
export type TpeState = null;

/** Default size of the good set for n observations: min(ceil(0.1 n), 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Kernel weights by age for n observations (oldest first): flat up to 25, then a ramp for the older ones. */
export function defaultWeights(n: number): number[] {
  if (n < 25) return Array.from({ length: n }, () => 1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26)));
  return [...ramp, ...Array.from({ length: 25 }, () => 1)];
}

// ---------------------------------------------------------------------------------------
// Normal distribution helpers

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Complementary error function (fractional error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(a < Z < b) for a standard normal Z, accurate in both tails. */
function normalMass(a: number, b: number): number {
  if (b <= a) return 0;
  if (a >= 0) return 0.5 * (erfc(a / Math.SQRT2) - erfc(b / Math.SQRT2));
  if (b <= 0) return 0.5 * (erfc(-b / Math.SQRT2) - erfc(-a / Math.SQRT2));
  return 1 - 0.5 * (erfc(-a / Math.SQRT2) + erfc(b / Math.SQRT2));
}

function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

// ---------------------------------------------------------------------------------------
// Dimensions: how each parameter is modelled

/** A range (or ordered choice) modelled on a line: internal coordinate, bounds, optional cells. */
interface NumericDim {
  readonly kind: 'numeric';
  readonly parameter: Parameter;
  /** Bounds of the internal coordinate (log on log ranges; half a step beyond the end values when discrete). */
  readonly low: number;
  readonly high: number;
  /** The internal interval of a discrete value; undefined when continuous. */
  readonly cell?: (x: number) => readonly [number, number];
  toInternal(value: Scalar): number;
  fromInternal(x: number): Scalar;
}

/** An unordered choice, modelled by smoothed counts. */
interface ChoiceDim {
  readonly kind: 'choice';
  readonly parameter: Parameter;
  readonly choices: readonly Scalar[];
}

type Dim = NumericDim | ChoiceDim;

function dimOf(parameter: Parameter): Dim {
  if (parameter.kind === 'categorical') {
    if (!parameter.ordered || parameter.choices.length < 3) return { kind: 'choice', parameter, choices: parameter.choices };
    // Ordered numeric choices (e.g. 16, 32, 64, 128) are modelled on their index line.
    const choices = parameter.choices;
    const last = choices.length - 1;
    return {
      kind: 'numeric',
      parameter,
      low: -0.5,
      high: last + 0.5,
      cell: (x) => [Math.max(-0.5, x - 0.5), Math.min(last + 0.5, x + 0.5)],
      toInternal: (value) => Math.max(0, choices.indexOf(value)),
      fromInternal: (x) => choices[Math.min(last, Math.max(0, Math.round(x)))] as Scalar,
    };
  }
  const step = parameter.step ?? (parameter.kind === 'int' ? 1 : undefined);
  const t = (v: number) => (parameter.log ? Math.log(v) : v);
  const inv = (x: number) => (parameter.log ? Math.exp(x) : x);
  if (step === undefined) {
    return {
      kind: 'numeric',
      parameter,
      low: t(parameter.low),
      high: t(parameter.high),
      toInternal: (value) => t(Number(value)),
      fromInternal: (x) => snap(parameter, inv(x)),
    };
  }
  const top = snap(parameter, parameter.high);
  const edge = (v: number) => (parameter.log && v <= 0 ? t(parameter.low) : t(v));
  const low = edge(parameter.low - step / 2);
  const high = t(top + step / 2);
  return {
    kind: 'numeric',
    parameter,
    low,
    high,
    cell: (x) => {
      const v = snap(parameter, inv(x));
      return [Math.max(low, edge(v - step / 2)), Math.min(high, t(v + step / 2))];
    },
    toInternal: (value) => t(Number(value)),
    fromInternal: (x) => snap(parameter, inv(x)),
  };
}

// ---------------------------------------------------------------------------------------
// Kernels and estimators

/** One mixture component for one parameter. */
type Kernel = { readonly mu: number; readonly sigma: number; readonly z: number } | { readonly probabilities: readonly number[] };

function numericKernel(dim: NumericDim, mu: number, sigma: number): Kernel {
  return { mu, sigma, z: Math.max(1e-300, normalMass((dim.low - mu) / sigma, (dim.high - mu) / sigma)) };
}

/** The prior component: uniform over choices, or one wide kernel centred on the range. */
function priorKernel(dim: Dim): Kernel {
  if (dim.kind === 'choice') return { probabilities: dim.choices.map(() => 1 / dim.choices.length) };
  return numericKernel(dim, 0.5 * (dim.low + dim.high), dim.high - dim.low);
}

/** Bandwidths in the manner of the original TPE: distance to the farther neighbour (the prior mean among them), clipped. */
function univariateSigmas(dim: NumericDim, xs: readonly number[]): number[] {
  const range = dim.high - dim.low;
  const prior = 0.5 * (dim.low + dim.high);
  const withPrior = [...xs, prior];
  const order = withPrior.map((_, i) => i).sort((a, b) => (withPrior[a] as number) - (withPrior[b] as number) || a - b);
  const sorted = [dim.low, ...order.map((i) => withPrior[i] as number), dim.high];
  const sortedSigmas = order.map((_, k) => Math.max((sorted[k + 1] as number) - (sorted[k] as number), (sorted[k + 2] as number) - (sorted[k + 1] as number)));
  if (sorted.length >= 4) {
    // Ignore the range's ends when choosing the outermost bandwidths.
    sortedSigmas[0] = (sorted[2] as number) - (sorted[1] as number);
    sortedSigmas[sortedSigmas.length - 1] = (sorted[sorted.length - 2] as number) - (sorted[sorted.length - 3] as number);
  }
  const sigmas = new Array<number>(withPrior.length);
  order.forEach((i, k) => (sigmas[i] = sortedSigmas[k] as number));
  const minSigma = range / Math.min(100, 1 + xs.length + 1);
  return sigmas.slice(0, xs.length).map((s) => Math.min(range, Math.max(minSigma, s)));
}

function choiceKernel(dim: ChoiceDim, observed: Scalar, priorWeight: number, kernels: number): Kernel {
  const base = priorWeight / kernels;
  const row = dim.choices.map((c) => base + (c === observed ? 1 : 0));
  const sum = row.reduce((a, b) => a + b, 0);
  return { probabilities: row.map((p) => p / sum) };
}

/**
 * A kernel's log score at a value, as used in l(x) and g(x). Continuous kernels are
 * weighted by their bandwidth: each is a bump of equal height (its density times sigma),
 * so the narrow kernels of a crowded region do not tower over the rest. Within one
 * estimator this is the mixture with weights proportional to weight x bandwidth, up to a
 * constant that cancels in the argmax of l(x)/g(x). Discrete kernels score their
 * probability mass, which is bounded already.
 */
function kernelLogScore(dim: Dim, kernel: Kernel, value: Scalar): number {
  if ('probabilities' in kernel) {
    const index = (dim as ChoiceDim).choices.indexOf(value);
    return index < 0 ? -Infinity : Math.log(kernel.probabilities[index] as number);
  }
  const d = dim as NumericDim;
  const x = d.toInternal(value);
  if (d.cell) {
    const [a, b] = d.cell(x);
    return Math.log(Math.max(1e-300, normalMass((a - kernel.mu) / kernel.sigma, (b - kernel.mu) / kernel.sigma))) - Math.log(kernel.z);
  }
  const u = (x - kernel.mu) / kernel.sigma;
  return -0.5 * u * u - LOG_SQRT_2PI - Math.log(kernel.z);
}

function kernelSample(dim: Dim, kernel: Kernel, rng: Rng): Scalar {
  if ('probabilities' in kernel) {
    let r = rng.next();
    const choices = (dim as ChoiceDim).choices;
    for (let i = 0; i < choices.length; i++) {
      r -= kernel.probabilities[i] as number;
      if (r < 0) return choices[i] as Scalar;
    }
    return choices[choices.length - 1] as Scalar;
  }
  const d = dim as NumericDim;
  // Rejection from the untruncated kernel: its mean lies in the range, so at least a third of draws land inside.
  for (let i = 0; i < 100; i++) {
    const x = kernel.mu + kernel.sigma * rng.normal();
    if (x >= d.low && x <= d.high) return d.fromInternal(x);
  }
  return d.fromInternal(Math.min(d.high, Math.max(d.low, kernel.mu)));
}

/**
 * A Parzen estimator over the whole space: mixture components (one per observation plus
 * the prior), each giving a kernel for every parameter the observation has active; a
 * parameter the observation lacks falls back to the prior kernel.
 */
interface Estimator {
  readonly dims: readonly Dim[];
  /** Log mixture weights; the last component is the prior. */
  readonly logWeights: readonly number[];
  /** Per component, per parameter index: its kernel (undefined -> prior kernel). */
  readonly kernels: readonly (readonly (Kernel | undefined)[])[];
  readonly priors: readonly Kernel[];
}

/** Per parameter, univariate: a mixture of its active observations' kernels and the prior. */
interface UnivariateEstimator {
  readonly logWeights: readonly number[];
  readonly kernels: readonly Kernel[];
}

function univariateEstimator(dim: Dim, observations: readonly Observation[], priorWeight: number): UnivariateEstimator {
  const active = observations.filter((o) => o.assignment[dim.parameter.name] !== undefined);
  const weights = [...defaultWeights(active.length), priorWeight];
  const total = weights.reduce((a, b) => a + b, 0);
  const logWeights = weights.map((w) => Math.log(w / total));
  const prior = priorKernel(dim);
  if (active.length === 0) return { logWeights: [0], kernels: [prior] };
  let kernels: Kernel[];
  if (dim.kind === 'choice') {
    kernels = active.map((o) => choiceKernel(dim, o.assignment[dim.parameter.name] as Scalar, priorWeight, active.length + 1));
  } else {
    const xs = active.map((o) => dim.toInternal(o.assignment[dim.parameter.name] as Scalar));
    const sigmas = univariateSigmas(dim, xs);
    kernels = xs.map((x, i) => numericKernel(dim, x, sigmas[i] as number));
  }
  return { logWeights, kernels: [...kernels, prior] };
}

function univariateLogDensity(dim: Dim, estimator: UnivariateEstimator, value: Scalar): number {
  return logSumExp(estimator.kernels.map((k, i) => (estimator.logWeights[i] as number) + kernelLogScore(dim, k, value)));
}

function pickComponent(logWeights: readonly number[], rng: Rng): number {
  let r = rng.next();
  for (let i = 0; i < logWeights.length; i++) {
    r -= Math.exp(logWeights[i] as number);
    if (r < 0) return i;
  }
  return logWeights.length - 1;
}

function jointEstimator(dims: readonly Dim[], observations: readonly Observation[], priorWeight: number): Estimator {
  const n = observations.length;
  const weights = [...defaultWeights(n), priorWeight];
  const total = weights.reduce((a, b) => a + b, 0);
  const kernels = observations.map(() => new Array<Kernel | undefined>(dims.length).fill(undefined));
  const priors = dims.map((dim) => priorKernel(dim));
  dims.forEach((dim, p) => {
    const holders = observations.map((o, i) => [o, i] as const).filter(([o]) => o.assignment[dim.parameter.name] !== undefined);
    const xs = dim.kind === 'numeric' ? holders.map(([o]) => dim.toInternal(o.assignment[dim.parameter.name] as Scalar)) : [];
    const sigmas = dim.kind === 'numeric' ? univariateSigmas(dim, xs) : [];
    holders.forEach(([o, i], h) => {
      const value = o.assignment[dim.parameter.name] as Scalar;
      (kernels[i] as (Kernel | undefined)[])[p] =
        dim.kind === 'choice'
          ? choiceKernel(dim, value, priorWeight, holders.length + 1)
          : numericKernel(dim, xs[h] as number, sigmas[h] as number);
    });
  });
  return { dims, logWeights: weights.map((w) => Math.log(w / total)), kernels: [...kernels, dims.map(() => undefined)], priors };
}

function jointSample(space: SearchSpace, estimator: Estimator, rng: Rng): Assignment {
  const component = estimator.kernels[pickComponent(estimator.logWeights, rng)] as readonly (Kernel | undefined)[];
  const out: Record<string, Scalar> = {};
  space.parameters.forEach((parameter, p) => {
    if (!isActive(parameter, out)) return;
    const dim = estimator.dims[p] as Dim;
    out[parameter.name] = kernelSample(dim, component[p] ?? (estimator.priors[p] as Kernel), rng);
  });
  return out;
}

function jointLogDensity(space: SearchSpace, estimator: Estimator, assignment: Assignment): number {
  const terms = estimator.kernels.map((component, k) => {
    let sum = estimator.logWeights[k] as number;
    space.parameters.forEach((parameter, p) => {
      const value = assignment[parameter.name];
      if (value === undefined) return;
      const dim = estimator.dims[p] as Dim;
      sum += kernelLogScore(dim, component[p] ?? (estimator.priors[p] as Kernel), value);
    });
    return sum;
  });
  return logSumExp(terms);
}

// ---------------------------------------------------------------------------------------
// The split and the proposal

/** The good and bad observations the estimators learn from. */
export interface TpeSplit {
  readonly below: readonly Observation[];
  readonly above: readonly Observation[];
}

/**
 * Split the history: completed trials with a finite value are ranked and the best
 * `gamma(n)` are good; the rest, and (with the constant liar) pending, pruned and
 * infeasible trials, are bad. Failed trials are left out. Both sides are in trial order.
 */
export function tpeSplit(history: readonly Observation[], direction: Direction, constantLiar = true): TpeSplit {
  const scoredTrials = history.filter((o) => o.outcome === 'completed' && o.value !== undefined && Number.isFinite(o.value));
  const sign = direction === 'minimize' ? 1 : -1;
  const ranked = [...scoredTrials].sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.number - b.number);
  const nBelow = defaultGamma(scoredTrials.length);
  const below = new Set(ranked.slice(0, nBelow));
  const liars = constantLiar ? history.filter((o) => o.outcome === 'pending' || o.outcome === 'pruned' || o.outcome === 'infeasible') : [];
  const byNumber = (a: Observation, b: Observation) => a.number - b.number;
  return {
    below: [...below].sort(byNumber),
    above: [...ranked.slice(nBelow), ...liars.filter((o) => !below.has(o))].sort(byNumber),
  };
}

/**
 * Where each parameter's kernels sit, for inspecting the model: per parameter, the centres
 * of the kernels fitted on the good and the bad observations (the prior left out), in
 * internal coordinates (log on log ranges, the index for ordered choices) or, for
 * unordered choices, the choice each kernel favours. A parameter gets kernels only from
 * observations in which it is active.
 */
export function tpeKernelCentres(space: SearchSpace, split: TpeSplit, multivariate = true, priorWeight = 1): Record<string, { below: Scalar[]; above: Scalar[] }> {
  const dims = space.parameters.map(dimOf);
  const centre = (dim: Dim, kernel: Kernel): Scalar => {
    if (!('probabilities' in kernel)) return kernel.mu;
    const p = kernel.probabilities;
    return (dim as ChoiceDim).choices[p.indexOf(Math.max(...p))] as Scalar;
  };
  const centres = (observations: readonly Observation[], p: number): Scalar[] => {
    const dim = dims[p] as Dim;
    if (multivariate) {
      const estimator = jointEstimator(dims, observations, priorWeight);
      return estimator.kernels.flatMap((component) => (component[p] ? [centre(dim, component[p] as Kernel)] : []));
    }
    const estimator = univariateEstimator(dim, observations, priorWeight);
    return observations.some((o) => o.assignment[dim.parameter.name] !== undefined) ? estimator.kernels.slice(0, -1).map((k) => centre(dim, k)) : [];
  };
  return Object.fromEntries(space.parameters.map((parameter, p) => [parameter.name, { below: centres(split.below, p), above: centres(split.above, p) }]));
}

interface Settings {
  readonly startupTrials: number;
  readonly candidates: number;
  readonly multivariate: boolean;
  readonly priorWeight: number;
  readonly constantLiar: boolean;
}

/** The fitted good and bad estimators, jointly or per parameter. */
type Model =
  | { readonly kind: 'joint'; readonly good: Estimator; readonly bad: Estimator }
  | { readonly kind: 'univariate'; readonly good: readonly UnivariateEstimator[]; readonly bad: readonly UnivariateEstimator[] };

function fitModel(dims: readonly Dim[], split: TpeSplit, settings: Settings): Model {
  if (settings.multivariate) {
    return { kind: 'joint', good: jointEstimator(dims, split.below, settings.priorWeight), bad: jointEstimator(dims, split.above, settings.priorWeight) };
  }
  return {
    kind: 'univariate',
    good: dims.map((dim) => univariateEstimator(dim, split.below, settings.priorWeight)),
    bad: dims.map((dim) => univariateEstimator(dim, split.above, settings.priorWeight)),
  };
}

/** One model-based proposal: the best of `candidates` draws from l(x) by l(x)/g(x), jointly or parameter by parameter. */
function modelSample(space: SearchSpace, dims: readonly Dim[], model: Model, candidates: number, rng: Rng): Assignment {
  if (model.kind === 'joint') {
    let best: Assignment | undefined;
    let bestScore = -Infinity;
    for (let i = 0; i < candidates; i++) {
      const x = jointSample(space, model.good, rng);
      const score = jointLogDensity(space, model.good, x) - jointLogDensity(space, model.bad, x);
      if (!best || score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    return best as Assignment;
  }
  const out: Record<string, Scalar> = {};
  space.parameters.forEach((parameter, p) => {
    if (!isActive(parameter, out)) return;
    const dim = dims[p] as Dim;
    const good = model.good[p] as UnivariateEstimator;
    const bad = model.bad[p] as UnivariateEstimator;
    let best: Scalar | undefined;
    let bestScore = -Infinity;
    for (let i = 0; i < candidates; i++) {
      const x = kernelSample(dim, good.kernels[pickComponent(good.logWeights, rng)] as Kernel, rng);
      const score = univariateLogDensity(dim, good, x) - univariateLogDensity(dim, bad, x);
      if (best === undefined || score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    out[parameter.name] = best as Scalar;
  });
  return out;
}

/** Model-based draws tried for a new, feasible point before falling back to random ones. */
const MODEL_ATTEMPTS = 16;
/** Random draws tried after that before the space is considered used up. */
const RANDOM_ATTEMPTS = 64;

/** A TPE strategy with the given options (see {@link TpeOptions}). */
export function tpeStrategy(options: TpeOptions = {}): Strategy<TpeState> {
  const settings: Settings = {
    startupTrials: options.startupTrials ?? 10,
    candidates: Math.max(1, options.candidates ?? 48),
    multivariate: options.multivariate ?? true,
    priorWeight: options.priorWeight ?? 1,
    constantLiar: options.constantLiar ?? true,
  };
  return {
    name: 'tpe',
    propose({ space, seed, direction, history, count, feasible }: ProposeRequest<TpeState>): Proposal<TpeState> {
      const dims = space.parameters.map(dimOf);
      const working: Observation[] = [...history];
      const seen = new Set(history.map((o) => assignmentKey(o.assignment)));
      const scoredCount = history.filter((o) => o.outcome === 'completed' && o.value !== undefined && Number.isFinite(o.value)).length;
      const candidates: Assignment[] = [];
      let nextNumber = history.reduce((max, o) => Math.max(max, o.number + 1), history.length);
      const useModel = scoredCount >= Math.max(1, settings.startupTrials);
      let exhausted = false;
      for (let i = 0; i < count; i++) {
        const number = history.length + i;
        // Refit for each member of a batch: the ones proposed before it count as pending.
        const model = useModel ? fitModel(dims, tpeSplit(working, direction, settings.constantLiar), settings) : undefined;
        const drawn = drawNew(
          (attempt) => {
            const rng = createRng(seed, 'tpe', number, attempt);
            return model && attempt < MODEL_ATTEMPTS ? modelSample(space, dims, model, settings.candidates, rng) : sampleAssignment(space, rng);
          },
          (useModel ? MODEL_ATTEMPTS : 0) + RANDOM_ATTEMPTS,
          seen,
          feasible,
        );
        if (!drawn) {
          exhausted = true;
          break;
        }
        seen.add(assignmentKey(drawn));
        candidates.push(drawn);
        working.push({ number: nextNumber++, assignment: drawn, outcome: 'pending' });
      }
      return { candidates: candidates.map((assignment) => ({ assignment })), state: null, exhausted };
    },
  };
}
