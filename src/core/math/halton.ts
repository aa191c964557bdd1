/**
 * A scrambled Halton sequence: a low-discrepancy point set in the unit cube, one prime
 * base per dimension, with every digit position of every base permuted by a seeded
 * random permutation (random digit scrambling). Scrambling breaks the correlations
 * between high bases that plain Halton points show, and gives independent point sets
 * for independent seeds while keeping the stratification.
 */
import type { Rng } from '../random.js';

/** The first `count` prime numbers. */
export function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let candidate = 2; primes.length < count; candidate++) {
    if (primes.every((p) => p * p > candidate || candidate % p !== 0)) primes.push(candidate);
  }
  return primes;
}

/** A seeded scrambled Halton sequence in `dimension` dimensions. */
export class ScrambledHalton {
  private readonly bases: number[];
  /** Per dimension, per digit position, a permutation of the base's digits. */
  private readonly permutations: Int32Array[][];

  constructor(
    readonly dimension: number,
    rng: Rng,
  ) {
    this.bases = firstPrimes(dimension);
    this.permutations = this.bases.map((base) => {
      // Enough digits that the last one is below double precision.
      const digits = Math.ceil(53 / Math.log2(base));
      return Array.from({ length: digits }, () => {
        const permutation = Int32Array.from({ length: base }, (_, i) => i);
        for (let i = base - 1; i > 0; i--) {
          const j = Math.floor(rng.next() * (i + 1));
          const tmp = permutation[i] as number;
          permutation[i] = permutation[j] as number;
          permutation[j] = tmp;
        }
        return permutation;
      });
    });
  }

  /** Write point number `index` (0-based) into `out`; coordinates lie in [0, 1). */
  point(index: number, out: Float64Array = new Float64Array(this.dimension)): Float64Array {
    for (let d = 0; d < this.dimension; d++) {
      const base = this.bases[d] as number;
      const permutations = this.permutations[d] as Int32Array[];
      let rest = index;
      let scale = 1 / base;
      let value = 0;
      for (const permutation of permutations) {
        const digit = rest % base;
        rest = (rest - digit) / base;
        value += (permutation[digit] as number) * scale;
        scale /= base;
      }
      out[d] = Math.min(value, 1 - Number.EPSILON);
    }
    return out;
  }
}
