/**
 * The strategy conformance suite: every strategy must propose points inside the space,
 * respect conditional parameters, be reproducible under a seed, resume from its stored
 * state, and never propose the same point twice.
 */
import { describe, expect, it } from 'vitest';
import { assignmentKey, assignmentProblems, compileSpace, type Assignment } from '../../../src/core/space/space.js';
import { parseSpecText } from '../../../src/core/spec/parse.js';
import { gridSize, gridStrategy, randomStrategy, type Observation, type Strategy } from '../../../src/core/strategies/index.js';

const spec = parseSpecText(`
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
`);
const space = compileSpace(spec.space);

const strategies: Record<string, () => Strategy> = {
  random: () => randomStrategy as Strategy,
  grid: () => gridStrategy(3) as Strategy,
};

/** Run `rounds` rounds of `batch` proposals, feeding back a fake objective. */
function drive(
  strategy: Strategy,
  seed: number,
  rounds: number,
  batch: number,
  from: { history: Observation[]; state: unknown } = { history: [], state: undefined },
  feasible?: (assignment: Assignment) => boolean,
) {
  const history = [...from.history];
  let state = from.state;
  for (let r = 0; r < rounds; r++) {
    const proposal = strategy.propose({ space, seed, direction: 'maximize', history, state, count: batch, ...(feasible ? { feasible } : {}) });
    state = proposal.state;
    for (const { assignment } of proposal.candidates) {
      history.push({ number: history.length, assignment, outcome: 'completed', value: Number(assignment.learningRate) });
    }
    if (proposal.exhausted) break;
  }
  return { history, state: JSON.parse(JSON.stringify(state ?? null)) as unknown };
}

for (const [name, make] of Object.entries(strategies)) {
  describe(`${name} strategy conformance`, () => {
    it('proposes assignments inside the space, with conditional parameters respected', () => {
      const { history } = drive(make(), 1, 10, 3);
      expect(history.length).toBeGreaterThan(10);
      for (const o of history) expect(assignmentProblems(space, o.assignment)).toEqual([]);
    });

    it('is identical under the same seed and different under another', () => {
      const keys = (seed: number) => drive(make(), seed, 5, 2).history.map((o) => assignmentKey(o.assignment));
      expect(keys(7)).toEqual(keys(7));
      expect(keys(7)).not.toEqual(keys(8));
    });

    it('resumes from its stored state exactly as if it had not stopped', () => {
      const straight = drive(make(), 3, 6, 2);
      const first = drive(make(), 3, 3, 2);
      const resumed = drive(make(), 3, 3, 2, first);
      expect(resumed.history.map((o) => assignmentKey(o.assignment))).toEqual(straight.history.map((o) => assignmentKey(o.assignment)));
    });

    it('never proposes the same point twice', () => {
      const { history } = drive(make(), 4, 15, 4);
      const keys = history.map((o) => assignmentKey(o.assignment));
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('never proposes a point the known constraints rule out', () => {
      const feasible = (a: Assignment) => a.family !== 'cnn' || Number(a['cnn.filters']) === 8;
      const { history } = drive(make(), 5, 12, 3, undefined, feasible);
      expect(history.length).toBeGreaterThan(10);
      expect(history.every((o) => feasible(o.assignment))).toBe(true);
      expect(history.some((o) => o.assignment.family === 'cnn')).toBe(true);
    });

    it('returns JSON-serializable state', () => {
      const proposal = make().propose({ space, seed: 1, direction: 'maximize', history: [], state: undefined, count: 2 });
      expect(JSON.parse(JSON.stringify(proposal.state ?? null))).toEqual(proposal.state ?? null);
    });
  });
}

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
