/**
 * Hyperband against the shared conformance suite, the paper's bracket table, promotion of
 * the top 1/η (by value and by Pareto ranking), waiting on pending rungs, and the epochs it
 * saves over full-budget random search on a synthetic learning-curve objective.
 */
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../../src/core/metrics/names.js';
import { createRng } from '../../../src/core/random.js';
import { defineSpace } from '../../../src/core/space/define.js';
import { assignmentKey, type Assignment } from '../../../src/core/space/space.js';
import { hyperbandSchedule, hyperbandStrategy, rungFidelities, type HyperbandOptions, type HyperbandState } from '../../../src/core/strategies/hyperband.js';
import { paretoRanking } from '../../../src/core/strategies/pareto.js';
import { randomStrategy, type Candidate, type Observation, type Proposal, type Strategy, type StrategyConfig } from '../../../src/core/strategies/index.js';
import { conformanceSpace as space, strategyConformance } from './conformance.js';

strategyConformance('hyperband', () => hyperbandStrategy() as Strategy, { promotes: true });
strategyConformance('hyperband (looping, η = 2)', () => hyperbandStrategy({ reductionFactor: 2, loop: true }) as Strategy, { promotes: true });

/** A search in progress: the history as a caller records it, and the strategy's stored state. */
class Search {
  readonly history: Observation[] = [];
  state: HyperbandState | undefined;
  constructor(
    readonly strategy: Strategy<HyperbandState>,
    readonly fidelity: { min: number; max: number },
    readonly directions: readonly Direction[] = ['minimize'],
  ) {}

  /** Ask for up to `count` candidates; they are recorded as pending trials. */
  ask(count: number, feasible?: (a: Assignment) => boolean): Proposal<HyperbandState> & { numbers: number[] } {
    const proposal = this.strategy.propose({
      space,
      seed: 11,
      direction: this.directions[0] as Direction,
      directions: this.directions,
      history: this.history,
      state: this.state,
      count,
      fidelity: this.fidelity,
      ...(feasible ? { feasible } : {}),
    });
    this.state = JSON.parse(JSON.stringify(proposal.state)) as HyperbandState;
    const numbers = proposal.candidates.map((c) => {
      const number = this.history.length;
      this.history.push({ number, assignment: c.assignment, outcome: 'pending', ...(c.fidelity !== undefined ? { fidelity: c.fidelity } : {}) });
      return number;
    });
    return { ...proposal, numbers };
  }

  /** Record a trial's result. */
  tell(number: number, result: Partial<Observation>): void {
    const o = this.history[number] as Observation;
    const values = result.values;
    this.history[number] = { ...o, outcome: 'completed', ...(values ? { value: values[0] as number } : {}), ...result };
  }
}

describe('hyperband schedule', () => {
  // The paper's table for R = 81, η = 3: (n_i, r_i) per rung of each bracket s = 4 .. 0.
  const paper = [
    [[81, 1], [27, 3], [9, 9], [3, 27], [1, 81]],
    [[34, 3], [11, 9], [3, 27], [1, 81]],
    [[15, 9], [5, 27], [1, 81]],
    [[8, 27], [2, 81]],
    [[5, 81]],
  ];

  it("matches the paper's bracket table for R = 81, η = 3", () => {
    const schedule = hyperbandSchedule(1, 81, 3);
    expect(schedule.map((b) => b.s)).toEqual([4, 3, 2, 1, 0]);
    expect(schedule.map((b) => b.rungs.map((r) => [r.configurations, r.fidelity]))).toEqual(paper);
    expect(rungFidelities(1, 81, 3)).toEqual([1, 3, 9, 27, 81]);
    expect(rungFidelities(1, 100, 3)).toEqual([1, 4, 11, 33, 100]);
    expect(rungFidelities(3, 81, 3)).toEqual([3, 9, 27, 81]);
  });

  it('proposes exactly that schedule, rung by rung, then reports exhaustion', () => {
    const search = new Search(hyperbandStrategy(), { min: 1, max: 81 });
    const rungs: number[][] = [];
    let value = 0;
    for (let call = 0; call < 40; call++) {
      const proposal = search.ask(1000);
      if (proposal.exhausted) {
        expect(proposal.candidates).toEqual([]);
        break;
      }
      const fidelities = new Set(proposal.candidates.map((c) => c.fidelity));
      expect(fidelities.size).toBe(1);
      rungs.push([proposal.candidates.length, proposal.candidates[0]?.fidelity as number]);
      for (const n of proposal.numbers) search.tell(n, { value: value++ % 7 });
    }
    expect(rungs).toEqual(paper.flat());
    expect(search.ask(5)).toMatchObject({ candidates: [], exhausted: true });
    // 143 configurations in all; every later rung re-evaluates configurations of the rung below.
    const fresh = search.history.filter((o, i) => !search.history.slice(0, i).some((p) => assignmentKey(p.assignment) === assignmentKey(o.assignment)));
    expect(fresh).toHaveLength(81 + 34 + 15 + 8 + 5);
  });

  it('starts over after the last bracket when told to loop', () => {
    const search = new Search(hyperbandStrategy({ loop: true }), { min: 1, max: 9 });
    const fidelities: number[][] = [];
    for (let call = 0; call < 8; call++) {
      const proposal = search.ask(100);
      expect(proposal.exhausted).toBe(false);
      fidelities.push(proposal.candidates.map((c) => c.fidelity as number));
      for (const n of proposal.numbers) search.tell(n, { value: n });
    }
    // Brackets of (n, r): s=2 (9@1, 3@3, 1@9), s=1 (5@3, 1@9), s=0 (3@9), then s=2 again.
    expect(fidelities.map((f) => [f.length, f[0]])).toEqual([[9, 1], [3, 3], [1, 9], [5, 3], [1, 9], [3, 9], [9, 1], [3, 3]]);
    expect(search.state?.pass).toBe(1);
  });
});

describe('hyperband promotions', () => {
  const rung0 = [5, 3, 8, 1, 9, 2, 7, 4, 6];

  /** Nine configurations at 1 epoch (the first rung of R = 9, η = 3), told the given results. */
  function firstRung(directions: readonly Direction[], results: readonly Partial<Observation>[]): { search: Search; numbers: number[]; next: Proposal<HyperbandState> } {
    const search = new Search(hyperbandStrategy(), { min: 1, max: 9 }, directions);
    const first = search.ask(20);
    expect(first.candidates.map((c) => c.fidelity)).toEqual(Array(9).fill(1));
    first.numbers.forEach((n, i) => search.tell(n, results[i] as Partial<Observation>));
    const next = search.ask(20);
    return { search, numbers: first.numbers, next };
  }

  const promoted = (search: Search, candidates: readonly Candidate[]) =>
    candidates.map((c) => {
      expect(c.fidelity).toBe(3);
      const from = search.history[c.promotes as number] as Observation;
      expect(assignmentKey(c.assignment)).toBe(assignmentKey(from.assignment));
      return c.promotes;
    });

  it('promotes the best third of a finished rung, best first (minimizing)', () => {
    const { search, next } = firstRung(['minimize'], rung0.map((value) => ({ value })));
    expect(promoted(search, next.candidates)).toEqual([3, 5, 1]);
  });

  it('promotes the best third of a finished rung, best first (maximizing)', () => {
    const { search, next } = firstRung(['maximize'], rung0.map((value) => ({ value })));
    expect(promoted(search, next.candidates)).toEqual([4, 2, 6]);
  });

  it('never promotes failed, pruned or infeasible trials', () => {
    const results: Partial<Observation>[] = rung0.map((value) => ({ value }));
    results[3] = { outcome: 'failed' };
    results[5] = { outcome: 'pruned', value: 2 };
    results[1] = { outcome: 'infeasible' };
    const { search, next } = firstRung(['minimize'], results);
    expect(promoted(search, next.candidates)).toEqual([7, 0, 8]);
  });

  it('promotes by Pareto ranking when there are two objectives', () => {
    // Maximize accuracy, minimize latency. Front 0 is {0, 1, 2, 4, 5}; its boundary points 4
    // and 5 come first, then 1, the least crowded. Accuracy alone would pick 4, 0, 7.
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
    const { search, next } = firstRung(directions, points.map((values) => ({ values })));
    expect(promoted(search, next.candidates)).toEqual([4, 5, 1]);
    expect(promoted(search, next.candidates)).toEqual(paretoRanking(points, directions).slice(0, 3));
  });

  it('waits while a rung has pending trials, without reporting exhaustion', () => {
    const search = new Search(hyperbandStrategy(), { min: 1, max: 9 });
    const a = search.ask(5);
    expect(a.candidates).toHaveLength(5);
    const b = search.ask(5); // the other four of the rung; the first five are still running
    expect(b.candidates).toHaveLength(4);
    expect(b.exhausted).toBe(false);
    [...a.numbers, ...b.numbers].slice(0, 8).forEach((n) => search.tell(n, { value: n }));
    expect(search.ask(5)).toMatchObject({ candidates: [], exhausted: false });
    search.tell(8, { value: 8 });
    const c = search.ask(2); // a batch smaller than the promoted set
    expect(c.candidates.map((x) => [x.promotes, x.fidelity])).toEqual([[0, 3], [1, 3]]);
    const d = search.ask(2);
    expect(d.candidates.map((x) => [x.promotes, x.fidelity])).toEqual([[2, 3]]);
  });

  /** Points of the space from another seed's proposals (valid, and not in any history here). */
  const elsewhere = hyperbandStrategy()
    .propose({ space, seed: 999, direction: 'minimize', history: [], state: undefined, count: 3, fidelity: { min: 1, max: 9 } })
    .candidates.map((c) => c.assignment);

  it('finds its trials when the caller numbers or orders them differently (e.g. after warm-start priors)', () => {
    const priors: Observation[] = elsewhere.map((assignment, i) => ({ number: -(i + 1), assignment, outcome: 'completed', value: 0, prior: true }));
    const strategy = hyperbandStrategy();
    const request = { space, seed: 3, direction: 'minimize' as const, count: 20, fidelity: { min: 1, max: 9 } };
    const first = strategy.propose({ ...request, history: priors, state: undefined });
    expect(first.candidates).toHaveLength(9);
    const priorKeys = new Set(priors.map((o) => assignmentKey(o.assignment)));
    expect(first.candidates.some((c) => priorKeys.has(assignmentKey(c.assignment)))).toBe(false);
    // Recorded in reverse order, so trial numbers differ from the strategy's expectation;
    // the value is the proposal position, so positions 0, 1, 2 (trials 8, 7, 6) are best.
    const recorded: Observation[] = [...first.candidates].reverse().map((c, i) => ({
      number: i,
      assignment: c.assignment,
      outcome: 'completed',
      value: first.candidates.indexOf(c),
      fidelity: 1,
    }));
    const state = JSON.parse(JSON.stringify(first.state)) as HyperbandState;
    const second = strategy.propose({ ...request, history: [...priors, ...recorded], state });
    expect(second.candidates.map((c) => c.promotes)).toEqual([8, 7, 6]);
    for (const c of second.candidates) expect(assignmentKey(c.assignment)).toBe(assignmentKey(recorded[c.promotes as number]!.assignment));
  });

  it('takes new configurations from a plugged-in sampler, dropping repeats and points outside the space', () => {
    const search = new Search(hyperbandStrategy(), { min: 1, max: 9 });
    const seen = search.ask(1).candidates[0]!.assignment;
    search.tell(0, { value: 1 });
    const valid = elsewhere[0] as Assignment;
    const calls: number[] = [];
    const strategy = hyperbandStrategy({
      sampler: (request) => {
        calls.push(request.count);
        expect(request.history).toHaveLength(1);
        return [{ nonsense: 1 }, seen, valid];
      },
    });
    const proposal = strategy.propose({ space, seed: 11, direction: 'minimize', history: search.history, state: search.state, count: 3, fidelity: { min: 1, max: 9 } });
    expect(calls).toEqual([3]);
    expect(proposal.candidates).toHaveLength(3);
    expect(assignmentKey(proposal.candidates[0]!.assignment)).toBe(assignmentKey(valid));
    expect(proposal.candidates.slice(1).some((c) => assignmentKey(c.assignment) === assignmentKey(seen))).toBe(false);
  });

  it('reads its options from a registry configuration and rejects bad ones', () => {
    const config: StrategyConfig = { name: 'hyperband', reductionFactor: 2, minEpochs: 2, maxEpochs: 16 };
    const proposal = hyperbandStrategy(config as HyperbandOptions).propose({ space, seed: 1, direction: 'minimize', history: [], state: undefined, count: 100 });
    expect(proposal.candidates.map((c) => c.fidelity)).toEqual(Array(8).fill(2)); // s_max = 3: ceil(4/4 * 2^3) = 8 configurations at 2 epochs
    expect(() => hyperbandStrategy({ reductionFactor: 1 })).toThrow(RangeError);
    expect(() => hyperbandStrategy().propose({ space, seed: 1, direction: 'minimize', history: [], state: undefined, count: 1 })).toThrow(/fidelity range/);
  });
});

describe('hyperband efficiency', () => {
  // Minimize a validation loss that falls with epochs: the configuration's final loss, plus
  // a learning-curve term that decays at a configuration-dependent speed, plus noise.
  const curveSpace = defineSpace({ x: { min: 0, max: 1 }, y: { min: 0, max: 1 }, z: { min: 0, max: 1 } });
  const MAX = 81;
  const TARGET = 0.03;
  const loss = (a: Assignment, epochs: number, seed: number, trial: number) =>
    (Number(a.x) - 0.3) ** 2 + (Number(a.y) - 0.7) ** 2 + (0.2 + 0.3 * Number(a.z)) / Math.sqrt(epochs) + 0.01 * createRng(seed, 'noise', trial).normal();

  /** Epochs trained (each trial from scratch) until a full-budget trial reaches the target. */
  function epochsToTarget(strategy: Strategy, seed: number, cap: number): number {
    const history: Observation[] = [];
    let state: unknown;
    let epochs = 0;
    while (epochs < cap) {
      const proposal = strategy.propose({ space: curveSpace, seed, direction: 'minimize', history, state, count: 4, fidelity: { min: 1, max: MAX } });
      state = JSON.parse(JSON.stringify(proposal.state ?? null)) as unknown;
      for (const c of proposal.candidates) {
        const fidelity = c.fidelity ?? MAX;
        const value = loss(c.assignment, fidelity, seed, history.length);
        epochs += fidelity;
        history.push({ number: history.length, assignment: c.assignment, outcome: 'completed', value, fidelity });
        if (fidelity === MAX && value <= TARGET) return epochs;
      }
      if (proposal.exhausted) break;
    }
    return cap;
  }

  it('reaches a target loss with far fewer epochs than full-budget random search', () => {
    const seeds = Array.from({ length: 16 }, (_, i) => i);
    // Caps keep a broken strategy from running long; neither is reached when all is well.
    const caps = { hyperband: MAX * 150, random: MAX * 600 };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const hyperbandRuns = seeds.map((s) => epochsToTarget(hyperbandStrategy({ loop: true }) as Strategy, s, caps.hyperband));
    const randomRuns = seeds.map((s) => epochsToTarget(randomStrategy as Strategy, s, caps.random));
    const [hyperband, random] = [mean(hyperbandRuns), mean(randomRuns)];
    const ratio = random / hyperband;
    console.log(
      `epochs to reach loss <= ${TARGET} at ${MAX} epochs (mean of ${seeds.length} seeds): hyperband ${hyperband.toFixed(0)}, full-budget random search ${random.toFixed(0)}, ratio ${ratio.toFixed(2)}`,
    );
    expect(Math.max(...hyperbandRuns)).toBeLessThan(caps.hyperband);
    expect(Math.max(...randomRuns)).toBeLessThan(caps.random);
    expect(ratio).toBeGreaterThan(4);
  });
});
