/**
 * Cholesky factorization and its companions: the factor reproduces the matrix, solves and
 * the inverse are exact to rounding, growing a factor by one row equals factoring the
 * larger matrix, and an indefinite matrix is reported.
 */
import { describe, expect, it } from 'vitest';
import { choleskyAppend, choleskyInPlace, choleskyInverse, choleskySolve, solveLower, solveLowerTransposed } from '../../../src/core/math/linalg.js';
import { createRng } from '../../../src/core/random.js';

/** A random symmetric positive-definite n×n matrix: B Bᵀ + n I. */
function randomSpd(n: number, seed: number): Float64Array {
  const rng = createRng(seed, 'spd');
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = i === j ? n : 0;
      for (let k = 0; k < n; k++) sum += (b[i * n + k] as number) * (b[j * n + k] as number);
      a[i * n + j] = sum;
    }
  }
  return a;
}

describe('linear algebra', () => {
  it('factors a positive-definite matrix so that L Lᵀ = A', () => {
    const n = 9;
    const a = randomSpd(n, 1);
    const l = Float64Array.from(a);
    expect(choleskyInPlace(l, n)).toBe(true);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = 0;
        for (let k = 0; k <= j; k++) sum += (l[i * n + k] as number) * (l[j * n + k] as number);
        expect(sum).toBeCloseTo(a[i * n + j] as number, 9);
      }
    }
  });

  it('solves triangular and full systems, and inverts', () => {
    const n = 7;
    const a = randomSpd(n, 2);
    const l = Float64Array.from(a);
    choleskyInPlace(l, n);
    const b = Float64Array.from({ length: n }, (_, i) => i - 3);
    const x = choleskySolve(l, n, b, new Float64Array(n));
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (a[i * n + k] as number) * (x[k] as number);
      expect(sum).toBeCloseTo(b[i] as number, 10);
    }
    const y = solveLower(l, n, b, new Float64Array(n));
    const back = solveLowerTransposed(l, n, y, new Float64Array(n));
    for (let i = 0; i < n; i++) expect(back[i]).toBeCloseTo(x[i] as number, 12);
    const inverse = choleskyInverse(l, n, new Float64Array(n * n), new Float64Array(n * n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += (a[i * n + k] as number) * (inverse[k * n + j] as number);
        expect(sum).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });

  it('grows a factor by one row exactly as factoring the larger matrix', () => {
    const n = 6;
    const a = randomSpd(n, 3);
    const full = Float64Array.from(a);
    choleskyInPlace(full, n);
    // Factor the leading 5×5 block inside a 6-wide buffer, then append the last row.
    const grown = new Float64Array(n * n);
    for (let i = 0; i < n - 1; i++) for (let j = 0; j <= i; j++) grown[i * n + j] = a[i * n + j] as number;
    expect(choleskyInPlace(grown, n - 1, n)).toBe(true);
    const column = Array.from({ length: n - 1 }, (_, j) => a[(n - 1) * n + j] as number);
    choleskyAppend(grown, n - 1, column, a[n * n - 1] as number, n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) expect(grown[i * n + j]).toBeCloseTo(full[i * n + j] as number, 10);
  });

  it('reports a matrix that is not positive definite', () => {
    const a = Float64Array.from([1, 2, 2, 1]);
    expect(choleskyInPlace(a, 2)).toBe(false);
  });
});
