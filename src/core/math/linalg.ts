/**
 * Dense linear algebra on row-major Float64Array matrices: Cholesky factorization (with
 * room to grow by appending rows), triangular solves and the inverse from a factor. A
 * matrix may live in a larger buffer: `stride` is the length of one stored row.
 */

/**
 * Factor a symmetric positive-definite matrix in place: on success the lower triangle
 * holds L with A = L Lᵀ (the strict upper triangle is left untouched). Returns false when
 * a pivot is not positive (the matrix is not numerically positive definite).
 */
export function choleskyInPlace(a: Float64Array, n: number, stride: number = n): boolean {
  for (let i = 0; i < n; i++) {
    const rowI = i * stride;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * stride;
      const sum = (a[rowI + j] as number) - rowDot(a, rowI, a, rowJ, j);
      if (i === j) {
        if (!(sum > 0)) return false;
        a[rowI + i] = Math.sqrt(sum);
      } else {
        a[rowI + j] = sum / (a[rowJ + j] as number);
      }
    }
  }
  return true;
}

/**
 * Σ_{k < length} a[aStart + k] · b[bStart + k], unrolled by four (with four partial sums,
 * which JavaScript engines run markedly faster than one dependent chain).
 */
export function rowDot(a: Float64Array, aStart: number, b: Float64Array, bStart: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < length; k += 4) {
    s0 += (a[aStart + k] as number) * (b[bStart + k] as number);
    s1 += (a[aStart + k + 1] as number) * (b[bStart + k + 1] as number);
    s2 += (a[aStart + k + 2] as number) * (b[bStart + k + 2] as number);
    s3 += (a[aStart + k + 3] as number) * (b[bStart + k + 3] as number);
  }
  for (; k < length; k++) s0 += (a[aStart + k] as number) * (b[bStart + k] as number);
  return s0 + s1 + (s2 + s3);
}

/** Solve L x = b for lower-triangular L (forward substitution); `out` may be `b`. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array, stride: number = n): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * stride;
    out[i] = ((b[i] as number) - rowDot(l, row, out, 0, i)) / (l[row + i] as number);
  }
  return out;
}

/** Solve Lᵀ x = b for lower-triangular L (back substitution); `out` may be `b`. */
export function solveLowerTransposed(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array, stride: number = n): Float64Array {
  if (out !== b) for (let i = 0; i < n; i++) out[i] = b[i] as number;
  for (let i = n - 1; i >= 0; i--) {
    const value = (out[i] as number) / (l[i * stride + i] as number);
    out[i] = value;
    // Column i of Lᵀ is row i of L: subtract its contribution from the earlier unknowns.
    const row = i * stride;
    for (let k = 0; k < i; k++) out[k] = (out[k] as number) - (l[row + k] as number) * value;
  }
  return out;
}

/** Solve (L Lᵀ) x = b given the Cholesky factor L; `out` may be `b`. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array, stride: number = n): Float64Array {
  solveLower(l, n, b, out, stride);
  return solveLowerTransposed(l, n, out, out, stride);
}

/**
 * The inverse of A = L Lᵀ from its factor, written to `out` (n×n, both triangles).
 * `scratch` (n×n) receives L⁻ᵀ (upper triangular), kept row-contiguous for speed.
 */
export function choleskyInverse(l: Float64Array, n: number, out: Float64Array, scratch: Float64Array, stride: number = n): Float64Array {
  // scratch[j][i] = (L⁻¹)[i][j]: row i of L⁻¹ from the rows before it.
  scratch.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) {
    const row = i * stride;
    const inverseDiagonal = 1 / (l[row + i] as number);
    scratch[i * n + i] = inverseDiagonal;
    for (let j = 0; j < i; j++) {
      const tj = j * n;
      scratch[tj + i] = -rowDot(l, row + j, scratch, tj + j, i - j) * inverseDiagonal;
    }
  }
  // A⁻¹ = L⁻ᵀ L⁻¹: entry (i, j) = Σ_{k ≥ max(i, j)} scratch[i][k] scratch[j][k].
  for (let i = 0; i < n; i++) {
    const ti = i * n;
    for (let j = 0; j <= i; j++) {
      const tj = j * n;
      const sum = rowDot(scratch, ti + i, scratch, tj + i, n - i);
      out[ti + j] = sum;
      out[tj + i] = sum;
    }
  }
  return out;
}

/**
 * Grow a Cholesky factor of an n×n matrix to (n+1)×(n+1) after appending a row and column:
 * `column` holds the new off-diagonal covariances (length n) and `diagonal` the new
 * diagonal entry. Writes row n of L in place (the buffer needs room for it). Returns the
 * new pivot, floored at `minimumPivot` so near-duplicate rows stay factorizable.
 */
export function choleskyAppend(
  l: Float64Array,
  n: number,
  column: ArrayLike<number>,
  diagonal: number,
  stride: number,
  minimumPivot = 1e-10,
): number {
  const row = n * stride;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const irow = i * stride;
    const value = ((column[i] as number) - rowDot(l, irow, l, row, i)) / (l[irow + i] as number);
    l[row + i] = value;
    squares += value * value;
  }
  const pivot = Math.sqrt(Math.max(diagonal - squares, minimumPivot * minimumPivot));
  l[row + n] = pivot;
  return pivot;
}

/** Dot product of two vectors over their first `length` entries. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}
