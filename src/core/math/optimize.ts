/**
 * Bound-constrained smooth minimization: a projected limited-memory BFGS method (in the
 * spirit of L-BFGS-B). The quasi-Newton direction is built on the variables that are
 * free to move, the step is projected back into the box, and a backtracking line search
 * enforces sufficient decrease. Deterministic, allocation-light and dependency-free.
 */

/** Evaluates f(x), writes ∇f(x) into `gradient`, returns f(x) (non-finite means "reject"). */
export type ObjectiveWithGradient = (x: Float64Array, gradient: Float64Array) => number;

/** Budgets and tolerances of `minimizeInBox`. */
export interface BoxMinimizeOptions {
  /** Quasi-Newton iterations at most (default 100). */
  readonly maxIterations?: number;
  /** Objective evaluations at most, line searches included (default 250). */
  readonly maxEvaluations?: number;
  /** Correction pairs kept (default 8). */
  readonly memory?: number;
  /** Stop when the projected gradient's largest entry is below this (default 1e-6). */
  readonly gradientTolerance?: number;
  /** Stop when an iteration improves f by less than this, relatively (default 1e-10). */
  readonly relativeTolerance?: number;
}

/** Where `minimizeInBox` stopped and what it cost. */
export interface BoxMinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** True when a tolerance (not a budget) ended the search. */
  readonly converged: boolean;
}

function clampInto(x: Float64Array, lower: ArrayLike<number>, upper: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(upper[i] as number, Math.max(lower[i] as number, x[i] as number));
}

/** Minimize `objective` over the box [lower, upper] from `start` (which is clamped into it). */
export function minimizeInBox(
  objective: ObjectiveWithGradient,
  start: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  options: BoxMinimizeOptions = {},
): BoxMinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 100;
  const maxEvaluations = options.maxEvaluations ?? 250;
  const memory = options.memory ?? 8;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const relativeTolerance = options.relativeTolerance ?? 1e-10;

  let x = Float64Array.from(start);
  clampInto(x, lower, upper);
  let gradient = new Float64Array(n);
  let value = objective(x, gradient);
  let evaluations = 1;
  if (!Number.isFinite(value)) return { x, value, iterations: 0, evaluations, converged: false };

  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const alphas = new Float64Array(memory);
  const free = new Uint8Array(n);
  const direction = new Float64Array(n);
  let trial = new Float64Array(n);
  let trialGradient = new Float64Array(n);
  let iterations = 0;
  let converged = false;

  while (iterations < maxIterations && evaluations < maxEvaluations) {
    // Projected gradient and the set of variables free to move.
    let projectedNorm = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number;
      const gi = gradient[i] as number;
      const atLower = xi <= (lower[i] as number) && gi > 0;
      const atUpper = xi >= (upper[i] as number) && gi < 0;
      free[i] = atLower || atUpper ? 0 : 1;
      if (free[i]) projectedNorm = Math.max(projectedNorm, Math.abs(gi));
    }
    if (projectedNorm < gradientTolerance) {
      converged = true;
      break;
    }
    iterations++;

    // Two-loop recursion on the free variables.
    for (let i = 0; i < n; i++) direction[i] = free[i] ? (gradient[i] as number) : 0;
    const stored = sHistory.length;
    for (let k = stored - 1; k >= 0; k--) {
      const s = sHistory[k] as Float64Array;
      const y = yHistory[k] as Float64Array;
      let sq = 0;
      for (let i = 0; i < n; i++) if (free[i]) sq += (s[i] as number) * (direction[i] as number);
      const a = (rhoHistory[k] as number) * sq;
      alphas[k] = a;
      for (let i = 0; i < n; i++) if (free[i]) direction[i] = (direction[i] as number) - a * (y[i] as number);
    }
    if (stored > 0) {
      const s = sHistory[stored - 1] as Float64Array;
      const y = yHistory[stored - 1] as Float64Array;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        sy += (s[i] as number) * (y[i] as number);
        yy += (y[i] as number) * (y[i] as number);
      }
      const gamma = sy / yy;
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) * gamma;
    }
    for (let k = 0; k < stored; k++) {
      const s = sHistory[k] as Float64Array;
      const y = yHistory[k] as Float64Array;
      let yr = 0;
      for (let i = 0; i < n; i++) if (free[i]) yr += (y[i] as number) * (direction[i] as number);
      const b = (rhoHistory[k] as number) * yr;
      const a = alphas[k] as number;
      for (let i = 0; i < n; i++) if (free[i]) direction[i] = (direction[i] as number) + (a - b) * (s[i] as number);
    }
    let slope = 0;
    for (let i = 0; i < n; i++) {
      direction[i] = free[i] ? -(direction[i] as number) : 0;
      slope += (direction[i] as number) * (gradient[i] as number);
    }
    if (!(slope < 0)) {
      // Not a descent direction: forget the curvature pairs and use steepest descent.
      sHistory.length = 0;
      yHistory.length = 0;
      rhoHistory.length = 0;
      slope = 0;
      for (let i = 0; i < n; i++) {
        direction[i] = free[i] ? -(gradient[i] as number) : 0;
        slope += (direction[i] as number) * (gradient[i] as number);
      }
    }
    // The first step without curvature information moves at most a unit in any variable.
    let maxComponent = 0;
    for (let i = 0; i < n; i++) maxComponent = Math.max(maxComponent, Math.abs(direction[i] as number));
    let step = sHistory.length === 0 ? Math.min(1, 1 / maxComponent) : 1;

    // Backtracking line search along the projected path.
    let accepted = false;
    let trialValue = Number.NaN;
    while (evaluations < maxEvaluations) {
      let decrease = 0;
      for (let i = 0; i < n; i++) {
        const xi = x[i] as number;
        const moved = Math.min(upper[i] as number, Math.max(lower[i] as number, xi + step * (direction[i] as number)));
        trial[i] = moved;
        decrease += (gradient[i] as number) * (moved - xi);
      }
      trialValue = objective(trial, trialGradient);
      evaluations++;
      if (Number.isFinite(trialValue) && trialValue <= value + 1e-4 * Math.min(decrease, 0) && trialValue <= value) {
        accepted = true;
        break;
      }
      step *= 0.5;
      if (step * maxComponent < 1e-14) break;
    }
    if (!accepted) {
      if (sHistory.length === 0) break;
      sHistory.length = 0;
      yHistory.length = 0;
      rhoHistory.length = 0;
      continue;
    }

    // Store the curvature pair when it keeps the approximation positive definite.
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = (trial[i] as number) - (x[i] as number);
      y[i] = (trialGradient[i] as number) - (gradient[i] as number);
      sy += (s[i] as number) * (y[i] as number);
      yy += (y[i] as number) * (y[i] as number);
    }
    if (sy > 1e-12 * yy && sy > 0) {
      if (sHistory.length === memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / sy);
    }

    const previous = value;
    [x, trial] = [trial, x];
    [gradient, trialGradient] = [trialGradient, gradient];
    value = trialValue;
    if (previous - value <= relativeTolerance * Math.max(1, Math.abs(previous), Math.abs(value))) {
      converged = true;
      break;
    }
  }
  return { x, value, iterations, evaluations, converged };
}
