/**
 * ASHA against the shared conformance suite, promotion of the top 1/η of a rung (by value
 * and by Pareto ranking), and an asynchronous worker pool it keeps busy at every step.
 */
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../../src/core/metrics/names.js';
import { createRng } from '../../../src/core/random.js';
import { assignmentKey } from '../../../src/core/space/space.js';
import { ashaStrategy, type AshaState } from '../../../src/core/strategies/asha.js';
import type { MultiFidelityOptions } from '../../../src/core/strategies/hyperband.js';
import { paretoRanking } from '../../../src/core/strategies/pareto.js';
import type { Observation, Proposal, Strategy, StrategyConfig } from '../../../src/core/strategies/index.js';
import { conformanceSpace as space, fakeObjectives, strategyConformance } from './conformance.js';

strategyConformance('asha', () => ashaStrategy() as Strategy, { promotes: true });
strategyConformance('asha (η = 2)', () => ashaStrategy({ reductionFactor: 2 }) as Strategy, { promotes: true });

/** Ask ASHA with the given history and state; candidates are recorded as pending trials. */
function ask(
  history: Observation[],
  state: AshaState | undefined,
  count: number,
  directions: readonly Direction[] = ['minimize'],
  fidelity = { min: 1, max: 9 },
): Proposal<AshaState> & { numbers: number[] } {
  const proposal = ashaStrategy().propose({ space, seed: 5, direction: directions[0] as Direction, directions, history, state, count, fidelity });
  const numbers = proposal.candidates.map((c) => {
    history.push({ number: history.length, assignment: c.assignment, outcome: 'pending', ...(c.fidelity !== undefined ? { fidelity: c.fidelity } : {}) });
    return history.length - 1;
  });
  return { ...proposal, state: JSON.parse(JSON.stringify(proposal.state)) as AshaState, numbers };
}

function tell(history: Observation[], number: number, result: Partial<Observation>): void {
  const o = history[number] as Observation;
  history[number] = { ...o, outcome: 'completed', ...(result.values ? { value: result.values[0] as number } : {}), ...result };
}

describe('asha promotions', () => {
  it('promotes the top 1/η of a rung, best first, then starts new configurations', () => {
    const history: Observation[] = [];
    const first = ask(history, undefined, 6);
    expect(first.candidates.map((c) => [c.fidelity, c.promotes])).toEqual(Array(6).fill([1, undefined]));
    [5, 3, 8, 1, 9, 2].forEach((value, i) => tell(history, i, { value }));
    // floor(6 / 3) = 2 eligible: trials 3 (1) and 5 (2).
    const second = ask(history, first.state, 3);
    expect(second.candidates.map((c) => [c.fidelity, c.promotes])).toEqual([[3, 3], [3, 5], [1, undefined]]);
    for (const c of second.candidates.slice(0, 2)) expect(assignmentKey(c.assignment)).toBe(assignmentKey(history[c.promotes as number]!.assignment));
    // Nothing else is eligible until the rung grows: a new configuration.
    const third = ask(history, second.state, 1);
    expect(third.candidates.map((c) => [c.fidelity, c.promotes])).toEqual([[1, undefined]]);
  });

  it('counts failed and pruned trials in a rung but never promotes them', () => {
    const history: Observation[] = [];
    const first = ask(history, undefined, 6);
    [5, 3, 8, 1, 9, 2].forEach((value, i) => tell(history, i, { value }));
    tell(history, 3, { outcome: 'pruned', value: 1 });
    tell(history, 1, { outcome: 'failed', value: undefined });
    const second = ask(history, first.state, 3);
    expect(second.candidates.map((c) => c.promotes)).toEqual([5, 0, undefined]);
  });

  it('promotes by Pareto ranking with two objectives', () => {
    const points = [
      [0.9, 50],
      [0.8, 10],
      [0.85, 30],
      [0.7, 60],
      [0.95, 80],
      [0.6, 5],
      [0.75, 40],
      [0.88, 70],
      [0.5, 90],
    ];
    const directions = ['maximize', 'minimize'] as const;
    const history: Observation[] = [];
    const first = ask(history, undefined, 9, directions);
    points.forEach((values, i) => tell(history, i, { values }));
    const second = ask(history, first.state, 3, directions);
    expect(second.candidates.map((c) => c.promotes)).toEqual([4, 5, 1]);
    expect(second.candidates.map((c) => c.promotes)).toEqual(paretoRanking(points, directions).slice(0, 3));
  });

  it('promotes from the highest rung first and never promotes a trial twice', () => {
    const history: Observation[] = [];
    const first = ask(history, undefined, 12);
    history.forEach((o) => tell(history, o.number, { value: o.number }));
    // floor(12 / 3) = 4 eligible (trials 0-3); three slots take the best three.
    const up = ask(history, first.state, 3);
    expect(up.candidates.map((c) => [c.promotes, c.fidelity])).toEqual([[0, 3], [1, 3], [2, 3]]);
    up.numbers.forEach((n, i) => tell(history, n, { value: i }));
    // Rung 1 now has its top 1 of 3 (trial 12), rung 0 still has trial 3: the higher rung goes first.
    const next = ask(history, up.state, 3);
    expect(next.candidates.map((c) => [c.promotes, c.fidelity])).toEqual([[12, 9], [3, 3], [undefined, 1]]);
    expect(next.candidates[0]!.assignment).toEqual(history[0]!.assignment);
  });

  it('reads its options from a registry configuration and rejects bad ones', () => {
    const config: StrategyConfig = { name: 'asha', reductionFactor: 2, minEpochs: 4, maxEpochs: 32 };
    const proposal = ashaStrategy(config as MultiFidelityOptions).propose({ space, seed: 1, direction: 'minimize', history: [], state: undefined, count: 2 });
    expect(proposal.candidates.map((c) => c.fidelity)).toEqual([4, 4]);
    expect(proposal.state).toMatchObject({ eta: 2, min: 4, max: 32 });
    expect(() => ashaStrategy({ reductionFactor: 2.5 })).toThrow(RangeError);
    expect(() => ashaStrategy({ minEpochs: 0 })).toThrow(RangeError);
  });
});

describe('asha with asynchronous workers', () => {
  it('gives every free worker a job at once, and each promotion is in the top 1/η of its rung', () => {
    const workers = 4;
    const eta = 3;
    const fidelity = { min: 1, max: 27 };
    const strategy = ashaStrategy();
    const history: Observation[] = [];
    const running: { number: number; ends: number }[] = [];
    let state: AshaState | undefined;
    let now = 0;
    let busy = 0;
    let promotions = 0;
    for (let step = 0; step < 250; step++) {
      const free = workers - running.length;
      const proposal = strategy.propose({ space, seed: 21, direction: 'maximize', history, state, count: free, fidelity });
      state = JSON.parse(JSON.stringify(proposal.state)) as AshaState;
      expect(proposal.candidates).toHaveLength(free);
      expect(proposal.exhausted).toBe(false);
      for (const c of proposal.candidates) {
        const f = c.fidelity as number;
        if (c.promotes !== undefined) {
          // Independently: the promoted trial ranks in the top floor(finished / η) of its rung.
          promotions++;
          const from = history[c.promotes] as Observation;
          const rung = history.filter((o) => o.fidelity === from.fidelity && o.outcome === 'completed');
          const better = rung.filter((o) => (o.value as number) > (from.value as number)).length;
          expect(better).toBeLessThan(Math.floor(rung.length / eta));
          expect(f).toBe((from.fidelity as number) * eta);
          expect(c.assignment).toEqual(from.assignment);
        }
        running.push({ number: history.length, ends: now + f });
        history.push({ number: history.length, assignment: c.assignment, outcome: 'pending', fidelity: f });
      }
      busy += running.length;
      // The earliest-finishing trial completes; its worker is free for the next step.
      running.sort((a, b) => a.ends - b.ends || a.number - b.number);
      const done = running.shift() as { number: number; ends: number };
      now = done.ends;
      const o = history[done.number] as Observation;
      const [value] = fakeObjectives(o.assignment, o.fidelity);
      history[done.number] = { ...o, outcome: 'completed', value: value + 0.05 * createRng(21, 'noise', o.number).normal() };
    }
    expect(busy).toBe(250 * workers);
    expect(promotions).toBeGreaterThan(20);
    expect(history.some((o) => o.fidelity === 27)).toBe(true);
    const keys = history.map((o) => `${assignmentKey(o.assignment)}@${o.fidelity}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
