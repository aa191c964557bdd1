/**
 * The bounded quasi-Newton minimizer: it finds an interior minimum of a curved valley,
 * stops on a bound when the minimum lies outside the box, and honors its budget.
 */
import { describe, expect, it } from 'vitest';
import { minimizeInBox } from '../../../src/core/math/optimize.js';

const rosenbrock = (x: Float64Array, g: Float64Array): number => {
  const a = x[0] as number;
  const b = x[1] as number;
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

describe('minimizeInBox', () => {
  it('finds the minimum of the Rosenbrock valley inside the box', () => {
    const result = minimizeInBox(rosenbrock, [-1.2, 1], [-2, -2], [2, 2], { maxIterations: 500, maxEvaluations: 2000 });
    expect(result.x[0]).toBeCloseTo(1, 4);
    expect(result.x[1]).toBeCloseTo(1, 4);
    expect(result.value).toBeLessThan(1e-8);
  });

  it('stops on the bound when the unconstrained minimum lies outside', () => {
    // (x - 3)² + (y + 1)² on [0, 1]²: the minimum over the box is (1, 0).
    const result = minimizeInBox(
      (x, g) => {
        g[0] = 2 * ((x[0] as number) - 3);
        g[1] = 2 * ((x[1] as number) + 1);
        return ((x[0] as number) - 3) ** 2 + ((x[1] as number) + 1) ** 2;
      },
      [0.5, 0.5],
      [0, 0],
      [1, 1],
    );
    expect(Array.from(result.x)).toEqual([1, 0]);
    expect(result.converged).toBe(true);
  });

  it('never evaluates more than its budget', () => {
    let calls = 0;
    const result = minimizeInBox(
      (x, g) => {
        calls++;
        return rosenbrock(x, g);
      },
      [-1.2, 1],
      [-2, -2],
      [2, 2],
      { maxEvaluations: 15 },
    );
    expect(calls).toBeLessThanOrEqual(15);
    expect(result.evaluations).toBe(calls);
    expect(result.value).toBeLessThan(24.2); // better than the start
  });
});
