/**
 * Regularized evolution against the shared conformance suite, and its own behavior: the
 * population is the most recent completed trials, mutation respects conditions, and the
 * population improves on a simple objective.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/random.js';
import { defineSpace } from '../../../src/core/space/define.js';
import { assignmentProblems, sampleAssignment, type Assignment, type SearchSpace } from '../../../src/core/space/space.js';
import { evolutionPopulation, evolutionStrategy, mutateAssignment } from '../../../src/core/strategies/evolution.js';
import { randomStrategy } from '../../../src/core/strategies/random.js';
import type { Observation, Strategy } from '../../../src/core/strategies/strategy.js';
import { conformanceSpace, strategyConformance } from './conformance.js';

strategyConformance('evolution', () => evolutionStrategy({ populationSize: 8, tournamentSize: 3 }) as Strategy);

const space = defineSpace({
  a: { min: 0, max: 1 },
  b: { min: 0, max: 1 },
  c: { min: 1e-4, max: 1, log: true },
  d: { min: 0, max: 20, int: true },
  kind: ['x', 'y', 'z'],
});

/** Minimize: a bowl in a, b, log c and d, plus a penalty for the wrong kind. */
function objective(p: Assignment): number {
  return (Number(p.a) - 0.3) ** 2 + (Number(p.b) - 0.7) ** 2 + ((Math.log10(Number(p.c)) + 2) / 4) ** 2 + ((Number(p.d) - 5) / 20) ** 2 + (p.kind === 'y' ? 0 : 0.3);
}

/** Run a strategy for `trials` trials in batches of `batch`, evaluating the objective. */
function run(strategy: Strategy, seed: number, trials: number, batch: number, searchSpace: SearchSpace = space): Observation[] {
  const history: Observation[] = [];
  let state: unknown;
  while (history.length < trials) {
    const proposal = strategy.propose({ space: searchSpace, seed, direction: 'minimize', history, state, count: Math.min(batch, trials - history.length) });
    state = JSON.parse(JSON.stringify(proposal.state ?? null));
    for (const { assignment } of proposal.candidates) {
      history.push({ number: history.length, assignment, outcome: 'completed', value: objective(assignment) });
    }
  }
  return history;
}

const median = (values: number[]) => {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

describe('regularized evolution', () => {
  it('keeps the population at the most recent P completed trials', () => {
    const history = run(evolutionStrategy({ populationSize: 10 }) as Strategy, 1, 40, 3);
    const withGaps: Observation[] = history.map((o, i) => (i % 7 === 3 ? { number: o.number, assignment: o.assignment, outcome: i % 2 ? 'failed' : 'pending' } : o));
    const population = evolutionPopulation(withGaps, 10);
    expect(population).toHaveLength(10);
    const expected = withGaps.filter((o) => o.outcome === 'completed').slice(-10).map((o) => o.number);
    expect(population.map((o) => o.number)).toEqual(expected);
    expect(evolutionPopulation(withGaps.slice(0, 4), 10).length).toBeLessThan(10);
  });

  it('draws at random until the population is full, then mutates', () => {
    const strategy = evolutionStrategy({ populationSize: 10 });
    const history = run(strategy as Strategy, 2, 10, 4);
    const next = strategy.propose({ space, seed: 2, direction: 'minimize', history, state: undefined, count: 5 });
    // Every child differs from some population member in exactly one parameter.
    for (const { assignment } of next.candidates) {
      const distances = history.map((o) => Object.keys(assignment).filter((k) => assignment[k] !== o.assignment[k]).length);
      expect(Math.min(...distances)).toBe(1);
    }
  });

  it('improves the population median on a simple objective, more than random search does', () => {
    const P = 20;
    const evolved = run(evolutionStrategy({ populationSize: P, tournamentSize: 5 }) as Strategy, 3, 300, 4);
    const initial = median(evolved.slice(0, P).map((o) => o.value as number));
    const final = median(evolutionPopulation(evolved, P).map((o) => o.value as number));
    expect(evolutionPopulation(evolved, P)).toHaveLength(P);
    expect(final).toBeLessThan(initial / 5);
    const random = run(randomStrategy as Strategy, 3, 300, 4);
    expect(final).toBeLessThan(median(random.slice(-P).map((o) => o.value as number)) / 5);
  });

  it('re-draws the new branch when a mutation changes the family', () => {
    const rng = createRng(5, 'test');
    let parent = sampleAssignment(conformanceSpace, rng);
    while (parent.family !== 'mlp') parent = sampleAssignment(conformanceSpace, rng);
    expect(assignmentProblems(conformanceSpace, parent)).toEqual([]);
    let switched = 0;
    for (let i = 0; i < 200; i++) {
      const child = mutateAssignment(conformanceSpace, parent, 1, rng);
      expect(assignmentProblems(conformanceSpace, child)).toEqual([]);
      if (child.family === 'cnn') {
        switched++;
        expect(child.learningRate).toBe(parent.learningRate);
        expect(Object.keys(child).some((k) => k.startsWith('mlp.'))).toBe(false);
      } else {
        const changed = Object.keys(child).filter((k) => child[k] !== parent[k]);
        expect(changed).toHaveLength(1);
      }
    }
    expect(switched).toBeGreaterThan(10);
  });
});
