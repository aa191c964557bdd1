/**
 * The strategy conformance suite, which every strategy runs (one test file each calls
 * {@link strategyConformance}): proposals lie in the space with conditional parameters
 * respected, known constraints are honored, a seed gives identical results, a search
 * resumed from the stored state continues exactly, no point is proposed twice (at the
 * same fidelity), and the state is plain JSON.
 */
import { describe, expect, it } from 'vitest';
import { assignmentKey, assignmentProblems, compileSpace, type Assignment } from '../../../src/core/space/space.js';
import { parseSpecText } from '../../../src/core/spec/parse.js';
import type { Candidate, Observation, Strategy } from '../../../src/core/strategies/index.js';

/** A conditional space: an MLP branch with ranges, a CNN branch with choices. */
export const conformanceSpace = compileSpace(
  parseSpecText(`
name: s
task: classification
dataset: { uri: d.csv, target: y, kind: image, shape: [8, 8, 1] }
space:
  family: [mlp, cnn]
  learningRate: { min: 1.0e-3, max: 1.0e-1, log: true }
  batchSize: [16, 32]
  mlp: { layers: { min: 1, max: 3 }, units: { min: 16, max: 64 }, dropout: 0 }
  cnn: { blocks: 1, filters: [8, 16], kernel: [3, 5], dense: 0, dropout: 0 }
budget: { maxTrials: 3 }
`).space,
);

/** A smooth fake objective pair: maximize the first, minimize the second. */
export function fakeObjectives(assignment: Assignment, fidelity = 1): [number, number] {
  const lr = Math.log10(Number(assignment.learningRate));
  const size = Number(assignment['mlp.units'] ?? assignment['cnn.filters']);
  return [-((lr + 2) ** 2) + (assignment.family === 'cnn' ? 0.3 : 0) + 0.1 * Math.log(1 + fidelity), size];
}

export interface ConformanceOptions {
  /** The strategy proposes points again at higher fidelities (multi-fidelity). */
  readonly promotes?: boolean;
  /** Rounds and batch size for the longer checks. */
  readonly rounds?: number;
  readonly batch?: number;
}

/** Run rounds of proposals, feeding back the fake objectives; returns the history and final state. */
export function drive(
  strategy: Strategy,
  seed: number,
  rounds: number,
  batch: number,
  from: { history: Observation[]; state: unknown } = { history: [], state: undefined },
  feasible?: (assignment: Assignment) => boolean,
): { history: Observation[]; state: unknown; candidates: Candidate[] } {
  const history = [...from.history];
  const candidates: Candidate[] = [];
  let state = from.state;
  for (let r = 0; r < rounds; r++) {
    const proposal = strategy.propose({
      space: conformanceSpace,
      seed,
      direction: 'maximize',
      directions: ['maximize', 'minimize'],
      history,
      state,
      count: batch,
      fidelity: { min: 1, max: 27 },
      ...(feasible ? { feasible } : {}),
    });
    state = JSON.parse(JSON.stringify(proposal.state ?? null)) as unknown;
    for (const candidate of proposal.candidates) {
      candidates.push(candidate);
      const values = fakeObjectives(candidate.assignment, candidate.fidelity);
      history.push({
        number: history.length,
        assignment: candidate.assignment,
        outcome: 'completed',
        value: values[0],
        values,
        ...(candidate.fidelity !== undefined ? { fidelity: candidate.fidelity } : {}),
      });
    }
    if (proposal.exhausted) break;
  }
  return { history, state, candidates };
}

const identity = (c: Candidate) => `${assignmentKey(c.assignment)}@${c.fidelity ?? 'full'}`;

/** The shared suite. */
export function strategyConformance(name: string, make: () => Strategy, options: ConformanceOptions = {}): void {
  const rounds = options.rounds ?? 10;
  const batch = options.batch ?? 3;
  describe(`${name} strategy conformance`, () => {
    it('proposes assignments inside the space, with conditional parameters respected', () => {
      const { history } = drive(make(), 1, rounds, batch);
      expect(history.length).toBeGreaterThan(rounds);
      for (const o of history) expect(assignmentProblems(conformanceSpace, o.assignment)).toEqual([]);
    });

    it('is identical under the same seed and different under another', () => {
      const keys = (seed: number) => drive(make(), seed, 5, 2).candidates.map(identity);
      expect(keys(7)).toEqual(keys(7));
      expect(keys(7)).not.toEqual(keys(8));
    });

    it('resumes from its stored state exactly as if it had not stopped', () => {
      const straight = drive(make(), 3, 6, 2);
      const first = drive(make(), 3, 3, 2);
      const resumed = drive(make(), 3, 3, 2, first);
      expect(resumed.history.map((o) => `${assignmentKey(o.assignment)}@${o.fidelity}`)).toEqual(
        straight.history.map((o) => `${assignmentKey(o.assignment)}@${o.fidelity}`),
      );
    });

    it(options.promotes ? 'never proposes the same point twice at one fidelity' : 'never proposes the same point twice', () => {
      const { candidates } = drive(make(), 4, rounds + 5, batch + 1);
      const keys = candidates.map(options.promotes ? identity : (c) => assignmentKey(c.assignment));
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('never proposes a point the known constraints rule out', () => {
      const feasible = (a: Assignment) => a.family !== 'cnn' || Number(a['cnn.filters']) === 8;
      const { history } = drive(make(), 5, rounds, batch, undefined, feasible);
      expect(history.length).toBeGreaterThan(rounds - 2);
      expect(history.every((o) => feasible(o.assignment))).toBe(true);
    });

    it('returns JSON-serializable state', () => {
      const { state } = drive(make(), 1, 2, 2);
      expect(JSON.parse(JSON.stringify(state ?? null))).toEqual(state ?? null);
    });
  });
}
