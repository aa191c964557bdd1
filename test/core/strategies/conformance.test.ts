/**
 * Random and grid search against the shared strategy conformance suite, and the grid's
 * own guarantees.
 */
import { describe, expect, it } from 'vitest';
import { assignmentKey } from '../../../src/core/space/space.js';
import { gridSize, gridStrategy, randomStrategy, type Strategy } from '../../../src/core/strategies/index.js';
import { conformanceSpace as space, drive, strategyConformance } from './conformance.js';

strategyConformance('random', () => randomStrategy as Strategy);
strategyConformance('grid', () => gridStrategy(3) as Strategy);

describe('grid strategy', () => {
  it('visits every grid point exactly once, then reports exhaustion', () => {
    const total = gridSize(space, 3);
    // mlp: 3 lr x 2 batch x 3 layers x 3 units = 54; cnn: 3 lr x 2 batch x 2 filters x 2 kernels = 24
    expect(total).toBe(78);
    const strategy = gridStrategy(3);
    const { history } = drive(strategy as Strategy, 9, 100, 7);
    expect(history).toHaveLength(total);
    const last = strategy.propose({ space, seed: 9, direction: 'maximize', history, state: { cursor: total }, count: 3 });
    expect(last).toMatchObject({ candidates: [], exhausted: true });
  });

  it('skips points already in the history (e.g. from a warm start)', () => {
    const { history } = drive(gridStrategy(3) as Strategy, 2, 1, 5);
    const fresh = gridStrategy(3).propose({ space, seed: 2, direction: 'maximize', history, state: undefined, count: 5 });
    const seen = new Set(history.map((o) => assignmentKey(o.assignment)));
    expect(fresh.candidates.some((c) => seen.has(assignmentKey(c.assignment)))).toBe(false);
  });

  it('uses log-spaced levels on log ranges', () => {
    const { history } = drive(gridStrategy(3) as Strategy, 2, 100, 10);
    const rates = [...new Set(history.map((o) => Number(o.assignment.learningRate)))].sort((a, b) => a - b);
    expect(rates).toEqual([0.001, 0.01, 0.1]);
  });
});
