/**
 * Gaussian-process regression with the ARD Matérn 5/2 kernel, a constant mean and
 * Gaussian noise: the log marginal likelihood with its analytic gradient (plus log priors
 * on the log hyperparameters), a multi-start bounded fit, and a posterior that predicts
 * mean and variance with their input gradients and grows by one point at a time (for
 * fantasies of pending trials) without refactoring.
 */
import { choleskyAppend, choleskyInPlace, choleskyInverse, solveLower, solveLowerTransposed } from '../../math/linalg.js';
import { minimizeInBox } from '../../math/optimize.js';
import { hyperparameterLayout, matern52, matern52Slope } from './kernel.js';

/** A gamma(shape, rate) prior on a positive hyperparameter, applied to its logarithm. */
export interface GammaPrior {
  readonly shape: number;
  readonly rate: number;
}

/** Priors and box bounds (natural units) for the hyperparameters. */
export interface HyperparameterPrior {
  readonly lengthscale: GammaPrior;
  readonly signal: GammaPrior;
  readonly noise: GammaPrior;
  /** Standard deviation of the normal prior on the constant mean (centered at 0). */
  readonly meanStd: number;
  readonly lengthscaleBounds: readonly [number, number];
  readonly signalBounds: readonly [number, number];
  readonly noiseBounds: readonly [number, number];
  readonly meanBounds: readonly [number, number];
}

/** Priors for a standardized objective on unit-cube inputs. */
export const OBJECTIVE_PRIOR: HyperparameterPrior = {
  lengthscale: { shape: 3, rate: 6 },
  signal: { shape: 2, rate: 0.15 },
  noise: { shape: 1.1, rate: 0.05 },
  meanStd: 1,
  lengthscaleBounds: [0.01, 30],
  signalBounds: [0.01, 100],
  noiseBounds: [1e-6, 1],
  meanBounds: [-5, 5],
};

/** Priors for ±1 feasibility labels regressed by a process. */
export const CLASSIFIER_PRIOR: HyperparameterPrior = {
  lengthscale: { shape: 3, rate: 6 },
  signal: { shape: 2, rate: 1 },
  noise: { shape: 1.1, rate: 1 },
  meanStd: 1,
  lengthscaleBounds: [0.01, 30],
  signalBounds: [0.05, 10],
  noiseBounds: [1e-4, 1],
  meanBounds: [-2, 2],
};

/** Inputs (count × dimension, row-major) and targets of a regression. */
export interface TrainingData {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly count: number;
  readonly dimension: number;
}

/** The box the hyperparameter vector is fitted in (log scales, raw mean). */
export function hyperparameterBounds(prior: HyperparameterPrior, dimension: number): { lower: Float64Array; upper: Float64Array } {
  const layout = hyperparameterLayout(dimension);
  const lower = new Float64Array(layout.size);
  const upper = new Float64Array(layout.size);
  for (let d = 0; d < dimension; d++) {
    lower[d] = Math.log(prior.lengthscaleBounds[0]);
    upper[d] = Math.log(prior.lengthscaleBounds[1]);
  }
  lower[layout.signal] = Math.log(prior.signalBounds[0]);
  upper[layout.signal] = Math.log(prior.signalBounds[1]);
  lower[layout.noise] = Math.log(prior.noiseBounds[0]);
  upper[layout.noise] = Math.log(prior.noiseBounds[1]);
  lower[layout.mean] = prior.meanBounds[0];
  upper[layout.mean] = prior.meanBounds[1];
  return { lower, upper };
}

/** A neutral starting point: length scales 0.5, unit signal, small noise, zero mean. */
export function defaultHyperparameters(dimension: number, lengthscale = 0.5, noise = 1e-3): Float64Array {
  const layout = hyperparameterLayout(dimension);
  const theta = new Float64Array(layout.size);
  theta.fill(Math.log(lengthscale), 0, dimension);
  theta[layout.signal] = 0;
  theta[layout.noise] = Math.log(noise);
  theta[layout.mean] = 0;
  return theta;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT5 = Math.sqrt(5);

/**
 * The negative log posterior of the hyperparameters for one data set, -log p(y | θ) -
 * log p(θ), with its gradient. Buffers are allocated once and reused across evaluations.
 */
export class MarginalLikelihood {
  private readonly kernel: Float64Array;
  private readonly inverse: Float64Array;
  private readonly scratch: Float64Array;
  private readonly residual: Float64Array;
  private readonly alpha: Float64Array;
  private readonly inverseSquaredLengthscales: Float64Array;

  constructor(
    private readonly data: TrainingData,
    private readonly prior: HyperparameterPrior,
  ) {
    const n = data.count;
    this.kernel = new Float64Array(n * n);
    this.inverse = new Float64Array(n * n);
    this.scratch = new Float64Array(n * n);
    this.residual = new Float64Array(n);
    this.alpha = new Float64Array(n);
    this.inverseSquaredLengthscales = new Float64Array(data.dimension);
  }

  /** -log marginal likelihood - log prior at θ; writes the gradient when given. Infinity when K is not positive definite. */
  evaluate(theta: ArrayLike<number>, gradient?: Float64Array): number {
    const { x, y, count: n, dimension: dim } = this.data;
    const layout = hyperparameterLayout(dim);
    const prior = this.prior;
    const kernel = this.kernel;
    const invLs2 = this.inverseSquaredLengthscales;
    for (let d = 0; d < dim; d++) invLs2[d] = Math.exp(-2 * (theta[d] as number));
    const logSignal = theta[layout.signal] as number;
    const logNoise = theta[layout.noise] as number;
    const mean = theta[layout.mean] as number;
    const signal = Math.exp(logSignal);
    const noise = Math.exp(logNoise);

    // Lower triangle: K = σ_f² k(r) + σ_n² I; strict upper triangle: σ_f² · slope(r) for the gradient.
    for (let i = 0; i < n; i++) {
      const xi = i * dim;
      kernel[i * n + i] = signal + noise;
      for (let j = 0; j < i; j++) {
        const xj = j * dim;
        let r2 = 0;
        for (let d = 0; d < dim; d++) {
          const diff = (x[xi + d] as number) - (x[xj + d] as number);
          r2 += diff * diff * (invLs2[d] as number);
        }
        // Matérn 5/2 and its slope share one exponential.
        const s = SQRT5 * Math.sqrt(r2);
        const e = signal * Math.exp(-s);
        kernel[i * n + j] = (1 + s + (s * s) / 3) * e;
        kernel[j * n + i] = (5 / 3) * (1 + s) * e;
      }
      this.residual[i] = (y[i] as number) - mean;
    }
    if (!choleskyInPlace(kernel, n)) return Number.POSITIVE_INFINITY;
    solveLower(kernel, n, this.residual, this.alpha);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += (this.alpha[i] as number) * (this.alpha[i] as number);
    solveLowerTransposed(kernel, n, this.alpha, this.alpha);
    let logDeterminant = 0;
    for (let i = 0; i < n; i++) logDeterminant += Math.log(kernel[i * n + i] as number);

    let logPrior = 0;
    for (let d = 0; d < dim; d++) logPrior += prior.lengthscale.shape * (theta[d] as number) - prior.lengthscale.rate * Math.exp(theta[d] as number);
    logPrior += prior.signal.shape * logSignal - prior.signal.rate * signal;
    logPrior += prior.noise.shape * logNoise - prior.noise.rate * noise;
    logPrior -= (mean * mean) / (2 * prior.meanStd * prior.meanStd);
    const value = 0.5 * fit + logDeterminant + n * HALF_LOG_2PI - logPrior;
    if (!gradient) return value;

    // dL/dθ = ½ tr(W ∂K/∂θ) with W = ααᵀ - K⁻¹.
    const alpha = this.alpha;
    const inverse = choleskyInverse(kernel, n, this.inverse, this.scratch);
    let traceW = 0;
    let alphaSum = 0;
    let residualAlpha = 0;
    for (let i = 0; i < n; i++) {
      const a = alpha[i] as number;
      traceW += a * a - (inverse[i * n + i] as number);
      alphaSum += a;
      residualAlpha += (this.residual[i] as number) * a;
    }
    for (let d = 0; d < dim; d++) gradient[d] = 0;
    for (let i = 0; i < n; i++) {
      const xi = i * dim;
      const ai = alpha[i] as number;
      for (let j = 0; j < i; j++) {
        const w = (ai * (alpha[j] as number) - (inverse[i * n + j] as number)) * (kernel[j * n + i] as number);
        if (w === 0) continue;
        const xj = j * dim;
        for (let d = 0; d < dim; d++) {
          const diff = (x[xi + d] as number) - (x[xj + d] as number);
          gradient[d] = (gradient[d] as number) + w * diff * diff;
        }
      }
    }
    for (let d = 0; d < dim; d++) {
      const likelihood = (gradient[d] as number) * (invLs2[d] as number);
      gradient[d] = -likelihood - (prior.lengthscale.shape - prior.lengthscale.rate * Math.exp(theta[d] as number));
    }
    // Σ W∘K_signal = tr(WK) - σ_n² tr(W), and tr(WK) = rᵀα - n.
    gradient[layout.signal] = -0.5 * (residualAlpha - n - noise * traceW) - (prior.signal.shape - prior.signal.rate * signal);
    gradient[layout.noise] = -0.5 * noise * traceW - (prior.noise.shape - prior.noise.rate * noise);
    gradient[layout.mean] = -alphaSum + mean / (prior.meanStd * prior.meanStd);
    return value;
  }
}

/** The fitted hyperparameters and their negative log posterior. */
export interface FittedHyperparameters {
  readonly theta: Float64Array;
  readonly value: number;
}

/**
 * Maximize the log posterior of the hyperparameters from each start (bounded
 * quasi-Newton with analytic gradients) and keep the best.
 */
export function fitHyperparameters(
  data: TrainingData,
  prior: HyperparameterPrior,
  starts: readonly ArrayLike<number>[],
  maxEvaluations: number,
): FittedHyperparameters {
  const likelihood = new MarginalLikelihood(data, prior);
  const { lower, upper } = hyperparameterBounds(prior, data.dimension);
  let best: FittedHyperparameters | undefined;
  for (const start of starts) {
    const result = minimizeInBox((theta, gradient) => likelihood.evaluate(theta, gradient), start, lower, upper, {
      maxEvaluations,
      maxIterations: maxEvaluations,
      gradientTolerance: 1e-4,
      relativeTolerance: 1e-9,
    });
    if (Number.isFinite(result.value) && (!best || result.value < best.value)) best = { theta: result.x, value: result.value };
  }
  if (best) return best;
  const fallback = Float64Array.from(starts[0] ?? defaultHyperparameters(data.dimension));
  return { theta: fallback, value: Number.POSITIVE_INFINITY };
}

/** A posterior prediction; the gradients are filled only when asked for. */
export interface Prediction {
  mean: number;
  variance: number;
  readonly meanGradient: Float64Array;
  readonly varianceGradient: Float64Array;
}

/** Smallest posterior variance reported, relative to the signal variance. */
const VARIANCE_FLOOR = 1e-12;
/** Points conditioned on for the cheap variance bound. */
const BOUND_NEIGHBORS = 4;

/**
 * The posterior of a Gaussian process with fixed hyperparameters, factored once. Room is
 * kept for `capacity` points so fantasies can be appended in O(n²) each.
 */
export class GaussianProcess {
  readonly dimension: number;
  readonly signal: number;
  /** Noise variance actually used (the fitted one plus any jitter needed to factor). */
  readonly noise: number;
  readonly mean: number;
  private count: number;
  private readonly capacity: number;
  private readonly inverseLengthscales: Float64Array;
  private readonly scaled: Float64Array;
  private readonly residual: Float64Array;
  private readonly factor: Float64Array;
  private readonly alpha: Float64Array;
  private readonly covariances: Float64Array;
  private readonly slopes: Float64Array;
  private readonly solved: Float64Array;
  private readonly backSolved: Float64Array;
  private readonly query: Float64Array;
  private readonly nearest = new Int32Array(BOUND_NEIGHBORS);
  private readonly nearestCovariance = new Float64Array(BOUND_NEIGHBORS);
  private readonly smallFactor = new Float64Array(BOUND_NEIGHBORS * BOUND_NEIGHBORS);
  private readonly smallSolved = new Float64Array(BOUND_NEIGHBORS);
  /** The last prediction (reused between calls). */
  readonly prediction: Prediction;

  constructor(data: TrainingData, theta: ArrayLike<number>, capacity: number = data.count) {
    const dim = data.dimension;
    const layout = hyperparameterLayout(dim);
    this.dimension = dim;
    this.capacity = Math.max(capacity, data.count);
    this.count = data.count;
    this.signal = Math.exp(theta[layout.signal] as number);
    this.mean = theta[layout.mean] as number;
    this.inverseLengthscales = new Float64Array(dim);
    for (let d = 0; d < dim; d++) this.inverseLengthscales[d] = Math.exp(-(theta[d] as number));
    const cap = this.capacity;
    this.scaled = new Float64Array(cap * dim);
    this.residual = new Float64Array(cap);
    this.factor = new Float64Array(cap * cap);
    this.alpha = new Float64Array(cap);
    this.covariances = new Float64Array(cap);
    this.slopes = new Float64Array(cap);
    this.solved = new Float64Array(cap);
    this.backSolved = new Float64Array(cap);
    this.query = new Float64Array(dim);
    this.prediction = { mean: 0, variance: 0, meanGradient: new Float64Array(dim), varianceGradient: new Float64Array(dim) };

    const n = data.count;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) this.scaled[i * dim + d] = (data.x[i * dim + d] as number) * (this.inverseLengthscales[d] as number);
      this.residual[i] = (data.y[i] as number) - this.mean;
    }
    // Factor K + σ_n² I, adding jitter if rounding leaves it indefinite.
    let noise = Math.exp(theta[layout.noise] as number);
    for (let attempt = 0; ; attempt++) {
      this.fillCovariance(n, noise);
      if (choleskyInPlace(this.factor, n, cap)) break;
      if (attempt >= 8) throw new RangeError('covariance matrix is not positive definite');
      noise += this.signal * 1e-8 * 10 ** attempt;
    }
    this.noise = noise;
    this.updateAlpha();
  }

  /** Points in the process, fantasies included. */
  get size(): number {
    return this.count;
  }

  private fillCovariance(n: number, noise: number): void {
    const dim = this.dimension;
    const cap = this.capacity;
    for (let i = 0; i < n; i++) {
      this.factor[i * cap + i] = this.signal + noise;
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        for (let d = 0; d < dim; d++) {
          const diff = (this.scaled[i * dim + d] as number) - (this.scaled[j * dim + d] as number);
          r2 += diff * diff;
        }
        this.factor[i * cap + j] = this.signal * matern52(Math.sqrt(r2));
      }
    }
  }

  private updateAlpha(): void {
    solveLower(this.factor, this.count, this.residual, this.alpha, this.capacity);
    solveLowerTransposed(this.factor, this.count, this.alpha, this.alpha, this.capacity);
  }

  /** Covariances between the (scaled) query and every point; slopes too when asked. */
  private crossCovariances(x: ArrayLike<number>, withSlopes: boolean): void {
    const dim = this.dimension;
    const q = this.query;
    for (let d = 0; d < dim; d++) q[d] = (x[d] as number) * (this.inverseLengthscales[d] as number);
    for (let i = 0; i < this.count; i++) {
      const row = i * dim;
      let r2 = 0;
      for (let d = 0; d < dim; d++) {
        const diff = (q[d] as number) - (this.scaled[row + d] as number);
        r2 += diff * diff;
      }
      const r = Math.sqrt(r2);
      this.covariances[i] = this.signal * matern52(r);
      if (withSlopes) this.slopes[i] = this.signal * matern52Slope(r);
    }
  }

  /** Posterior mean and variance of the latent function at `x`, with input gradients when asked. */
  predict(x: ArrayLike<number>, withGradient = false): Prediction {
    const n = this.count;
    const out = this.prediction;
    this.crossCovariances(x, withGradient);
    let mean = this.mean;
    for (let i = 0; i < n; i++) mean += (this.covariances[i] as number) * (this.alpha[i] as number);
    solveLower(this.factor, n, this.covariances, this.solved, this.capacity);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += (this.solved[i] as number) * (this.solved[i] as number);
    const raw = this.signal - explained;
    const floor = this.signal * VARIANCE_FLOOR;
    out.mean = mean;
    out.variance = Math.max(raw, floor);
    if (!withGradient) return out;

    const dim = this.dimension;
    const gm = out.meanGradient;
    const gv = out.varianceGradient;
    gm.fill(0);
    gv.fill(0);
    solveLowerTransposed(this.factor, n, this.solved, this.backSolved, this.capacity);
    const q = this.query;
    for (let i = 0; i < n; i++) {
      const slope = this.slopes[i] as number;
      const c = slope * (this.alpha[i] as number);
      const e = slope * (this.backSolved[i] as number);
      const row = i * dim;
      for (let d = 0; d < dim; d++) {
        const diff = (q[d] as number) - (this.scaled[row + d] as number);
        gm[d] = (gm[d] as number) + c * diff;
        gv[d] = (gv[d] as number) + e * diff;
      }
    }
    const clamped = raw < floor;
    for (let d = 0; d < dim; d++) {
      const inv = this.inverseLengthscales[d] as number;
      gm[d] = -(gm[d] as number) * inv;
      gv[d] = clamped ? 0 : 2 * (gv[d] as number) * inv;
    }
    return out;
  }

  /**
   * The posterior mean at `x` and an upper bound on the posterior variance, in O(n·D)
   * instead of O(n²): conditioning on fewer points never lowers the variance, so the
   * variance given only the few most correlated points bounds it from above.
   */
  bound(x: ArrayLike<number>): { mean: number; variance: number } {
    const n = this.count;
    const m = Math.min(BOUND_NEIGHBORS, n);
    this.crossCovariances(x, false);
    const nearest = this.nearest;
    const nearestCovariance = this.nearestCovariance;
    nearestCovariance.fill(Number.NEGATIVE_INFINITY);
    let mean = this.mean;
    for (let i = 0; i < n; i++) {
      const k = this.covariances[i] as number;
      mean += k * (this.alpha[i] as number);
      if (k <= (nearestCovariance[m - 1] as number)) continue;
      let at = m - 1;
      while (at > 0 && k > (nearestCovariance[at - 1] as number)) {
        nearestCovariance[at] = nearestCovariance[at - 1] as number;
        nearest[at] = nearest[at - 1] as number;
        at--;
      }
      nearestCovariance[at] = k;
      nearest[at] = i;
    }
    // Variance given the m nearest points: σ_f² - k_Sᵀ (K_SS + σ_n² I)⁻¹ k_S.
    const small = this.smallFactor;
    const dim = this.dimension;
    for (let a = 0; a < m; a++) {
      const ra = (nearest[a] as number) * dim;
      small[a * BOUND_NEIGHBORS + a] = this.signal + this.noise;
      for (let b = 0; b < a; b++) {
        const rb = (nearest[b] as number) * dim;
        let r2 = 0;
        for (let d = 0; d < dim; d++) {
          const diff = (this.scaled[ra + d] as number) - (this.scaled[rb + d] as number);
          r2 += diff * diff;
        }
        small[a * BOUND_NEIGHBORS + b] = this.signal * matern52(Math.sqrt(r2));
      }
    }
    let variance = this.signal - ((nearestCovariance[0] as number) ** 2) / (this.signal + this.noise);
    if (m > 1 && choleskyInPlace(small, m, BOUND_NEIGHBORS)) {
      solveLower(small, m, nearestCovariance, this.smallSolved, BOUND_NEIGHBORS);
      let explained = 0;
      for (let a = 0; a < m; a++) explained += (this.smallSolved[a] as number) ** 2;
      variance = Math.min(variance, this.signal - explained);
    }
    return { mean, variance: Math.max(variance, this.signal * VARIANCE_FLOOR) };
  }

  /** Condition on one more observation (a real one or a fantasy) with the same hyperparameters. */
  addObservation(x: ArrayLike<number>, y: number): void {
    if (this.count >= this.capacity) throw new RangeError('the process is full');
    const n = this.count;
    const dim = this.dimension;
    this.crossCovariances(x, false);
    choleskyAppend(this.factor, n, this.covariances, this.signal + this.noise, this.capacity, Math.sqrt(this.signal * 1e-10));
    for (let d = 0; d < dim; d++) this.scaled[n * dim + d] = this.query[d] as number;
    this.residual[n] = y - this.mean;
    this.count = n + 1;
    this.updateAlpha();
  }

  /** Posterior mean of the latent function at training point `i`: yᵢ - σ_n² αᵢ. */
  trainingMean(i: number): number {
    return this.mean + (this.residual[i] as number) - this.noise * (this.alpha[i] as number);
  }
}
