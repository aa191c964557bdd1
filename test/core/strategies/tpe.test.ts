/**
 * TPE against the shared conformance suite, and its own behavior: it beats random search
 * on Branin, fits each parameter only on observations where it is active, and spreads a
 * batch by counting pending trials as bad.
 */
import { describe, expect, it } from 'vitest';
import { branin } from '../../../bench/functions.js';
import { createRng } from '../../../src/core/random.js';
import { defineSpace } from '../../../src/core/space/define.js';
import { assignmentKey, sampleAssignment, type Assignment } from '../../../src/core/space/space.js';
import { randomStrategy } from '../../../src/core/strategies/random.js';
import type { Observation, Strategy } from '../../../src/core/strategies/strategy.js';
import { defaultGamma, defaultWeights, tpeKernelCentres, tpeSplit, tpeStrategy } from '../../../src/core/strategies/tpe.js';
import { createTuner } from '../../../src/core/tuner.js';
import { strategyConformance } from './conformance.js';

strategyConformance('tpe', () => tpeStrategy({ startupTrials: 5 }) as Strategy);
strategyConformance('tpe (univariate)', () => tpeStrategy({ startupTrials: 5, multivariate: false }) as Strategy);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;

/** Best regret on Branin after `trials` sequential trials. */
function braninRegret(strategy: Strategy, seed: number, trials: number): number {
  const tuner = createTuner({ space: branin.space, strategy, direction: 'minimize', seed });
  for (let t = 0; t < trials; t++) {
    const [trial] = tuner.ask(1);
    if (!trial) break;
    tuner.tell(trial.id, branin.evaluate(trial.params));
  }
  return (tuner.best()?.value ?? Infinity) - branin.minimum;
}

describe('TPE', () => {
  it('uses the default quantile and age weights', () => {
    expect([1, 10, 11, 100, 250, 1000].map(defaultGamma)).toEqual([1, 1, 2, 10, 25, 25]);
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    const w = defaultWeights(30);
    expect(w).toHaveLength(30);
    expect(w[0]).toBeCloseTo(1 / 30);
    expect(w.slice(5)).toEqual(Array.from({ length: 25 }, () => 1));
    expect([...w].sort((a, b) => a - b)).toEqual(w);
  });

  it('beats random search on Branin over a short run', () => {
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const tpe = seeds.map((s) => braninRegret(tpeStrategy() as Strategy, s, 40));
    const univariate = seeds.map((s) => braninRegret(tpeStrategy({ multivariate: false }) as Strategy, s, 40));
    const random = seeds.map((s) => braninRegret(randomStrategy as Strategy, s, 40));
    expect(median(tpe)).toBeLessThan(median(random) / 2);
    expect(median(univariate)).toBeLessThan(median(random));
    expect(seeds.filter((_, i) => (tpe[i] as number) < (random[i] as number)).length).toBeGreaterThanOrEqual(6);
  });

  describe('on a conditional space', () => {
    const space = defineSpace({
      family: ['a', 'b'],
      x: { min: 0, max: 1, when: { family: 'a' } },
      y: { min: 0, max: 1, when: { family: 'b' } },
    });
    // Ten a-trials on a grid of x (best near 0.8), thirty mediocre b-trials.
    const rng = createRng(1, 'conditional');
    const history: Observation[] = [
      ...Array.from({ length: 10 }, (_, i) => ({ family: 'a', x: 0.05 + 0.1 * i }) as Assignment),
      ...Array.from({ length: 30 }, () => ({ family: 'b', y: rng.next() }) as Assignment),
    ].map((assignment, number) => ({
      number,
      assignment,
      outcome: 'completed' as const,
      value: assignment.family === 'a' ? (Number(assignment.x) - 0.8) ** 2 : 0.05 + (Number(assignment.y) - 0.2) ** 2,
    }));

    it('fits each parameter only on the observations where it is active', () => {
      const split = tpeSplit(history, 'minimize');
      expect(split.below).toHaveLength(defaultGamma(40));
      const aXs = history.filter((o) => o.assignment.family === 'a').map((o) => Number(o.assignment.x));
      for (const multivariate of [true, false]) {
        const fitted = tpeKernelCentres(space, split, multivariate);
        const xs = [...(fitted.x?.below ?? []), ...(fitted.x?.above ?? [])].map(Number).sort((p, q) => p - q);
        expect(xs).toEqual(aXs);
        expect(fitted.x?.below.map(Number).sort()).toEqual([0.65, 0.75, 0.85, 0.95].map((v) => expect.closeTo(v, 10)));
        expect(fitted.y?.below).toEqual([]);
        expect(fitted.y?.above).toHaveLength(30);
        expect(fitted.family?.below).toEqual(['a', 'a', 'a', 'a']);
        expect(fitted.family?.above).toHaveLength(36);
      }
    });

    it('proposes the good branch near its good region', () => {
      for (const multivariate of [true, false]) {
        const proposals = Array.from({ length: 20 }, (_, seed) => tpeStrategy({ multivariate }).propose({ space, seed, direction: 'minimize', history, state: null, count: 1 }).candidates[0]?.assignment as Assignment);
        const a = proposals.filter((p) => p.family === 'a');
        expect(a.length).toBeGreaterThanOrEqual(15);
        expect(median(a.map((p) => Math.abs(Number(p.x) - 0.8)))).toBeLessThan(0.1);
        for (const p of proposals) expect(Object.keys(p).sort()).toEqual(p.family === 'a' ? ['family', 'x'] : ['family', 'y']);
      }
    });
  });

  describe('in parallel', () => {
    const space = defineSpace(branin.space);
    const historyFor = (seed: number): Observation[] => {
      const rng = createRng(seed, 'history');
      return Array.from({ length: 20 }, (_, number) => {
        const assignment = sampleAssignment(space, rng);
        return { number, assignment, outcome: 'completed' as const, value: branin.evaluate(assignment) };
      });
    };
    const closest = (points: readonly Assignment[]) => {
      let min = Infinity;
      for (let i = 0; i < points.length; i++) {
        for (let j = i + 1; j < points.length; j++) {
          const [p, q] = [points[i] as Assignment, points[j] as Assignment];
          min = Math.min(min, Math.hypot((Number(p.x1) - Number(q.x1)) / 15, (Number(p.x2) - Number(q.x2)) / 15));
        }
      }
      return min;
    };

    it('counts pending trials as bad, so a batch spreads out', () => {
      for (const seed of [0, 1, 2, 3]) {
        const history = historyFor(seed);
        const batch = (constantLiar: boolean) =>
          tpeStrategy({ constantLiar }).propose({ space, seed, direction: 'minimize', history, state: null, count: 8 }).candidates.map((c) => c.assignment);
        const liar = batch(true);
        expect(new Set(liar.map(assignmentKey)).size).toBe(8);
        expect(closest(liar)).toBeGreaterThan(0.03);
        expect(closest(liar)).toBeGreaterThan(3 * closest(batch(false)));
      }
    });

    it('puts pending, pruned and infeasible trials on the bad side, and leaves failed ones out', () => {
      const history = historyFor(9);
      const extra: Observation[] = (['pending', 'pruned', 'infeasible', 'failed'] as const).map((outcome, i) => ({ number: 20 + i, assignment: { x1: i, x2: i }, outcome }));
      const split = tpeSplit([...history, ...extra], 'minimize');
      expect(split.above.map((o) => o.number).filter((n) => n >= 20)).toEqual([20, 21, 22]);
      expect(split.below.length + split.above.length).toBe(23);
      const honest = tpeSplit([...history, ...extra], 'minimize', false);
      expect(honest.above.some((o) => o.number >= 20)).toBe(false);
    });
  });
});
