/**
 * The scrambled Halton sequence: points in the unit cube, reproducible per seed and
 * different across seeds, and stratified like the plain sequence (the first bᵏ points
 * put exactly one point in each cell of width b⁻ᵏ).
 */
import { describe, expect, it } from 'vitest';
import { firstPrimes, ScrambledHalton } from '../../../src/core/math/halton.js';
import { createRng } from '../../../src/core/random.js';

describe('ScrambledHalton', () => {
  it('lists the first primes', () => {
    expect(firstPrimes(8)).toEqual([2, 3, 5, 7, 11, 13, 17, 19]);
  });

  it('is reproducible per seed, differs across seeds, and stays in [0, 1)', () => {
    const a = new ScrambledHalton(4, createRng(1, 'h'));
    const b = new ScrambledHalton(4, createRng(1, 'h'));
    const c = new ScrambledHalton(4, createRng(2, 'h'));
    for (let i = 0; i < 50; i++) {
      const p = Array.from(a.point(i));
      expect(p).toEqual(Array.from(b.point(i)));
      for (const v of p) expect(v >= 0 && v < 1).toBe(true);
    }
    expect(Array.from(a.point(3))).not.toEqual(Array.from(c.point(3)));
  });

  it('keeps the stratification of the plain sequence in every dimension', () => {
    const halton = new ScrambledHalton(3, createRng(5, 'h'));
    for (const [dimension, cells] of [
      [0, 64],
      [1, 27],
      [2, 25],
    ] as const) {
      const hits = new Set<number>();
      for (let i = 0; i < cells; i++) hits.add(Math.floor((halton.point(i)[dimension] as number) * cells));
      expect(hits.size).toBe(cells);
    }
  });
});
