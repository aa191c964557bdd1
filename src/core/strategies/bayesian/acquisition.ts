/**
 * The acquisition function: log expected improvement below the incumbent (on the
 * standardized, minimized objective), plus the log probability of feasibility when a
 * model of measured constraints exists — i.e. log(EI × PF). Values and input gradients
 * are computed in log space, so they stay finite and informative far from the incumbent.
 */
import { logEiCore, logNormalCdf, logNormalPdf } from '../../math/normal.js';
import type { GaussianProcess } from './gaussian-process.js';

/** Squared probit scale of the feasibility model: PF = Φ(μ_c / √(s² + σ_c²)) on ±1 labels. */
export const FEASIBILITY_PROBIT_VARIANCE = 0.25;

/** The models an acquisition value is computed from. */
export interface AcquisitionModel {
  /** Posterior of the standardized objective (lower is better), fantasies included. */
  readonly objective: GaussianProcess;
  /** The best standardized value so far (the posterior mean at the best observed point). */
  readonly incumbent: number;
  /** Posterior of ±1 feasibility labels, when some trial turned out infeasible. */
  readonly feasibility?: GaussianProcess;
}

/** log PF at features `x`; adds its input gradient into `gradient` when given. */
export function logProbabilityOfFeasibility(model: GaussianProcess, x: ArrayLike<number>, gradient?: Float64Array): number {
  const p = model.predict(x, gradient !== undefined);
  const scale = Math.sqrt(FEASIBILITY_PROBIT_VARIANCE + p.variance);
  const t = p.mean / scale;
  const value = logNormalCdf(t);
  if (gradient) {
    const ratio = Math.exp(logNormalPdf(t) - value);
    const byMean = ratio / scale;
    const byVariance = (-ratio * p.mean) / (2 * scale * scale * scale);
    for (let d = 0; d < gradient.length; d++) {
      gradient[d] = (gradient[d] as number) + byMean * (p.meanGradient[d] as number) + byVariance * (p.varianceGradient[d] as number);
    }
  }
  return value;
}

/** log(EI × PF) at features `x`; writes its input gradient into `gradient` when given. */
export function acquisitionValue(model: AcquisitionModel, x: ArrayLike<number>, gradient?: Float64Array): number {
  const p = model.objective.predict(x, gradient !== undefined);
  const sigma = Math.sqrt(p.variance);
  const z = (model.incumbent - p.mean) / sigma;
  const logCore = logEiCore(z);
  let value = Math.log(sigma) + logCore;
  if (gradient) {
    // ∂/∂μ log EI = -Φ(z)/(σ h(z)); ∂/∂σ log EI = φ(z)/(σ h(z)); σ² carries the variance gradient.
    const byMean = -Math.exp(logNormalCdf(z) - logCore) / sigma;
    const byVariance = Math.exp(logNormalPdf(z) - logCore) / (2 * sigma * sigma);
    for (let d = 0; d < gradient.length; d++) {
      gradient[d] = byMean * (p.meanGradient[d] as number) + byVariance * (p.varianceGradient[d] as number);
    }
  }
  if (model.feasibility) value += logProbabilityOfFeasibility(model.feasibility, x, gradient);
  return value;
}

/**
 * An upper bound on `acquisitionValue` at `x` in O(n·D): exact posterior means with
 * variance upper bounds (EI grows with the variance; PF moves toward ½ with it).
 */
export function acquisitionUpperBound(model: AcquisitionModel, x: ArrayLike<number>): number {
  const p = model.objective.bound(x);
  const sigma = Math.sqrt(p.variance);
  let value = Math.log(sigma) + logEiCore((model.incumbent - p.mean) / sigma);
  if (model.feasibility) {
    const c = model.feasibility.bound(x);
    const variance = c.mean >= 0 ? 0 : c.variance;
    value += logNormalCdf(c.mean / Math.sqrt(FEASIBILITY_PROBIT_VARIANCE + variance));
  }
  return value;
}
