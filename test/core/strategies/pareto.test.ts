import { describe, expect, it } from 'vitest';
import { crowdingDistances, dominates, nonDominatedFronts, paretoFront, paretoRanking } from '../../../src/core/strategies/pareto.js';

// Maximize accuracy, minimize latency.
const directions = ['maximize', 'minimize'] as const;

describe('Pareto dominance', () => {
  it('respects each objective\'s direction', () => {
    expect(dominates([0.9, 1], [0.8, 2], directions)).toBe(true);
    expect(dominates([0.9, 2], [0.8, 1], directions)).toBe(false);
    expect(dominates([0.9, 1], [0.9, 1], directions)).toBe(false);
  });

  it('sorts points into fronts', () => {
    const points = [
      [0.9, 5], // 0: front 0 (most accurate)
      [0.8, 1], // 1: front 0 (fastest)
      [0.85, 3], // 2: front 0 (a trade-off)
      [0.8, 4], // 3: dominated by 2 -> front 1
      [0.7, 6], // 4: dominated by everything -> front 2
      [0.85, 3], // 5: equal to 2 -> front 0 too
    ];
    expect(nonDominatedFronts(points, directions)).toEqual([[0, 1, 2, 5], [3], [4]]);
    expect(paretoFront(points, directions)).toEqual([0, 1, 2, 5]);
  });

  it('ranks by front, then crowding (boundary points first)', () => {
    const points = [
      [0.9, 5],
      [0.8, 1],
      [0.86, 3],
      [0.87, 3.5],
      [0.7, 6],
    ];
    const crowding = crowdingDistances(points, [0, 1, 2, 3]);
    expect(crowding.get(0)).toBe(Infinity);
    expect(crowding.get(1)).toBe(Infinity);
    expect(crowding.get(2)).toBeGreaterThan(crowding.get(3) as number);
    expect(paretoRanking(points, directions)).toEqual([0, 1, 2, 3, 4]);
  });
});
