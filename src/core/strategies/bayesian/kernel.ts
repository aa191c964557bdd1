/**
 * The Matérn 5/2 kernel with one length scale per input dimension (ARD) and a signal
 * variance, and the layout of a Gaussian process's hyperparameter vector:
 * [log ℓ₁ … log ℓ_D, log σ_f², log σ_n², constant mean].
 */

const SQRT5 = Math.sqrt(5);

/** Matérn 5/2 correlation at scaled distance r: (1 + √5 r + 5r²/3) e^{-√5 r}. */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/**
 * -(1/r) d/dr of the Matérn 5/2 correlation: (5/3)(1 + √5 r) e^{-√5 r}. Finite at r = 0;
 * multiplied by the per-dimension offsets it gives input and length-scale derivatives.
 */
export function matern52Slope(r: number): number {
  const s = SQRT5 * r;
  return (5 / 3) * (1 + s) * Math.exp(-s);
}

/** Where each hyperparameter sits in the vector for a `dimension`-input process. */
export interface HyperparameterLayout {
  readonly dimension: number;
  /** Index of log σ_f² (the log length scales come first, at 0 … dimension-1). */
  readonly signal: number;
  /** Index of log σ_n². */
  readonly noise: number;
  /** Index of the constant mean. */
  readonly mean: number;
  /** Length of the vector. */
  readonly size: number;
}

/** The hyperparameter layout for inputs of the given dimension. */
export function hyperparameterLayout(dimension: number): HyperparameterLayout {
  return { dimension, signal: dimension, noise: dimension + 1, mean: dimension + 2, size: dimension + 3 };
}
