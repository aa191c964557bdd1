/**
 * NSGA-II against the shared conformance suite, and its own behavior: the Pareto front
 * helper, the generation bookkeeping, and progress on ZDT1 (the front advances and its
 * hypervolume grows past what random search reaches).
 */
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../../src/core/metrics/names.js';
import { defineSpace } from '../../../src/core/space/define.js';
import type { Assignment } from '../../../src/core/space/space.js';
import { nsga2Strategy, paretoFrontOf, type Nsga2State } from '../../../src/core/strategies/nsga2.js';
import { dominates } from '../../../src/core/strategies/pareto.js';
import { randomStrategy } from '../../../src/core/strategies/random.js';
import type { Observation, Strategy } from '../../../src/core/strategies/strategy.js';
import { drive, strategyConformance } from './conformance.js';

strategyConformance('nsga2', () => nsga2Strategy({ populationSize: 6 }) as Strategy);
strategyConformance('nsga2 (default population)', () => nsga2Strategy() as Strategy);

const zdtSpace = defineSpace(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i + 1}`, { min: 0, max: 1 }])));
const minimize: readonly Direction[] = ['minimize', 'minimize'];

/** ZDT1 (both objectives minimized); its Pareto front is f2 = 1 - sqrt(f1) with g = 1. */
function zdt1(p: Assignment): [number, number] {
  const x = Array.from({ length: 6 }, (_, i) => Number(p[`x${i + 1}`]));
  const f1 = x[0] as number;
  const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / 5;
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}

/** Hypervolume of a two-objective minimization front against a reference point. */
function hypervolume(points: readonly (readonly number[])[], reference: readonly [number, number]): number {
  const inside = points.filter((p) => (p[0] as number) < reference[0] && (p[1] as number) < reference[1]);
  const sorted = [...inside].sort((a, b) => (a[0] as number) - (b[0] as number));
  let volume = 0;
  let ceiling = reference[1];
  for (const p of sorted) {
    if ((p[1] as number) < ceiling) {
      volume += (reference[0] - (p[0] as number)) * (ceiling - (p[1] as number));
      ceiling = p[1] as number;
    }
  }
  return volume;
}

function run(strategy: Strategy, seed: number, trials: number, batch: number, from?: { history: Observation[]; state: unknown }): { history: Observation[]; state: unknown } {
  const history: Observation[] = [...(from?.history ?? [])];
  let state: unknown = from?.state;
  while (history.length < trials) {
    const proposal = strategy.propose({ space: zdtSpace, seed, direction: 'minimize', directions: minimize, history, state, count: Math.min(batch, trials - history.length) });
    state = JSON.parse(JSON.stringify(proposal.state ?? null));
    for (const { assignment } of proposal.candidates) {
      const values = zdt1(assignment);
      history.push({ number: history.length, assignment, outcome: 'completed', value: values[0], values });
    }
  }
  return { history, state };
}

/** Elitism: the parents are the whole front when it fits, otherwise members of it. */
function expectParentsToHoldFront(parents: readonly number[], front: readonly Observation[]): void {
  const numbers = new Set(front.map((o) => o.number));
  if (front.length <= parents.length) expect(front.every((o) => parents.includes(o.number))).toBe(true);
  else expect(parents.every((p) => numbers.has(p))).toBe(true);
}

const frontValues = (history: readonly Observation[]) => paretoFrontOf(history, minimize).map((o) => o.values as readonly number[]);
const REFERENCE = [1.1, 11] as const;

describe('NSGA-II', () => {
  it('reports the completed observations on the Pareto front, direction-aware', () => {
    const o = (number: number, values: number[], outcome: Observation['outcome'] = 'completed'): Observation => ({
      number,
      assignment: { n: number },
      outcome,
      ...(outcome === 'completed' ? { value: values[0] as number, values } : {}),
    });
    const history = [o(0, [0.9, 5]), o(1, [0.8, 1]), o(2, [0.85, 3]), o(3, [0.8, 4]), o(4, [0.99, 0.5], 'pending'), o(5, [0.7, 6]), o(6, [0.9, 5])];
    expect(paretoFrontOf(history, ['maximize', 'minimize']).map((x) => x.number)).toEqual([0, 1, 2, 6]);
    expect(paretoFrontOf(history, ['minimize', 'maximize']).map((x) => x.number)).toEqual([5]);
    expect(paretoFrontOf([], ['maximize', 'minimize'])).toEqual([]);
  });

  it('keeps generations of populationSize trials and at most populationSize parents', () => {
    const first = run(nsga2Strategy({ populationSize: 8 }) as Strategy, 1, 32, 4);
    const s = first.state as Nsga2State;
    expect(s).toMatchObject({ start: 0, generation: 3, waiting: [] });
    expect(s.parents).toHaveLength(8);
    // The parents hold the whole front of what came before their generation.
    expectParentsToHoldFront(s.parents, paretoFrontOf(first.history.slice(0, 24), minimize));
    expect(s.parents.every((p) => p < 24)).toBe(true);
  });

  it('lets children still pending when their generation closes join the next selection', () => {
    // Batches of 5 across generations of 8: positions 30 and 31 close generation 3 in the call that opens generation 4.
    const first = run(nsga2Strategy({ populationSize: 8 }) as Strategy, 1, 35, 5);
    const s = first.state as Nsga2State;
    expect(s.generation).toBe(4);
    expect(s.waiting).toEqual([30, 31]);
    expect(s.parents.every((p) => p < 30)).toBe(true);
    const second = run(nsga2Strategy({ populationSize: 8 }) as Strategy, 1, 45, 5, first);
    const t = second.state as Nsga2State;
    expect(t.generation).toBe(5);
    expect(t.waiting).toEqual([]);
    expectParentsToHoldFront(t.parents, paretoFrontOf(second.history.slice(0, 40), minimize));
  });

  it('advances the front on ZDT1: later fronts dominate the initial random one and the hypervolume grows', () => {
    const N = 20;
    const { history } = run(nsga2Strategy({ populationSize: N }) as Strategy, 3, N * 15, 7);
    const initial = frontValues(history.slice(0, N));
    const final = frontValues(history);
    const dominated = initial.filter((p) => final.some((q) => dominates(q, p, minimize)));
    expect(dominated.length).toBe(initial.length);
    const hvInitial = hypervolume(initial, REFERENCE);
    const hvMiddle = hypervolume(frontValues(history.slice(0, N * 6)), REFERENCE);
    const hvFinal = hypervolume(final, REFERENCE);
    expect(hvMiddle).toBeGreaterThan(hvInitial);
    expect(hvFinal).toBeGreaterThan(hvMiddle);
    const random = run(randomStrategy as Strategy, 3, N * 15, 7).history;
    expect(hvFinal).toBeGreaterThan(hypervolume(frontValues(random), REFERENCE) + 0.5);
  });

  it('reads the objectives in the order of directions (maximize, minimize) with the conformance objectives', () => {
    const { history } = drive(nsga2Strategy({ populationSize: 10 }) as Strategy, 2, 20, 5);
    const directions: readonly Direction[] = ['maximize', 'minimize'];
    const initial = paretoFrontOf(history.slice(0, 10), directions).map((o) => o.values as readonly number[]);
    const final = paretoFrontOf(history, directions).map((o) => o.values as readonly number[]);
    expect(initial.filter((p) => final.some((q) => dominates(q, p, directions))).length).toBeGreaterThan(0);
    const late = history.slice(-20).map((o) => o.values as readonly number[]);
    const early = history.slice(0, 20).map((o) => o.values as readonly number[]);
    // Later generations crowd the front: more of them lie on the overall front.
    const onFront = (points: readonly (readonly number[])[]) => points.filter((p) => final.some((q) => q[0] === p[0] && q[1] === p[1])).length;
    expect(onFront(late)).toBeGreaterThan(onFront(early));
  });
});
