/**
 * The Bayesian-optimization strategy: the shared conformance suite, the Gaussian process
 * against a hand-computed case and finite differences, the log-EI acquisition, batches
 * and pending trials, learned feasibility, conditional spaces, robustness to failed
 * trials, and a short optimization run against random search.
 */
import { describe, expect, it } from 'vitest';
import { branin } from '../../../bench/functions.js';
import { logNormalCdf, normalCdf, normalPdf } from '../../../src/core/math/normal.js';
import { createRng } from '../../../src/core/random.js';
import { defineSpace } from '../../../src/core/space/define.js';
import { assignmentKey, assignmentProblems, fromUnit, type Assignment, type RangeParameter } from '../../../src/core/space/space.js';
import { acquisitionValue, logProbabilityOfFeasibility } from '../../../src/core/strategies/bayesian/acquisition.js';
import {
  GaussianProcess,
  MarginalLikelihood,
  OBJECTIVE_PRIOR,
  type TrainingData,
} from '../../../src/core/strategies/bayesian/gaussian-process.js';
import { SpaceEncoding, toUnit } from '../../../src/core/strategies/bayesian/encoding.js';
import { bayesianStrategy, type BayesianState } from '../../../src/core/strategies/bayesian/index.js';
import { objectiveTargets } from '../../../src/core/strategies/bayesian/models.js';
import { randomStrategy, type Observation, type Strategy } from '../../../src/core/strategies/index.js';
import { createTuner } from '../../../src/core/tuner.js';
import { conformanceSpace, strategyConformance } from './conformance.js';

strategyConformance('bayesian', () => bayesianStrategy() as Strategy);

/** Matérn 5/2 written out independently of the implementation. */
const matern = (r: number) => (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r);

function randomData(n: number, dimension: number, seed: number): TrainingData {
  const rng = createRng(seed, 'data');
  const x = Float64Array.from({ length: n * dimension }, () => rng.next());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(3 * (x[i * dimension] as number)) + 0.3 * rng.normal());
  return { x, y, count: n, dimension };
}

describe('encoding', () => {
  it('maps range values to unit coordinates that decode back to them (log, integer, step)', () => {
    const ranges: RangeParameter[] = [
      { kind: 'float', name: 'a', low: 1e-4, high: 1e-1, log: true },
      { kind: 'int', name: 'b', low: 8, high: 512, log: true },
      { kind: 'int', name: 'c', low: 1, high: 5, log: false },
      { kind: 'int', name: 'd', low: 2, high: 10, log: false, step: 2 },
      { kind: 'float', name: 'e', low: -1, high: 1, log: false, step: 0.25 },
    ];
    const rng = createRng(1, 'units');
    for (const parameter of ranges) {
      for (let i = 0; i < 50; i++) {
        const value = fromUnit(parameter, rng.next());
        expect(fromUnit(parameter, toUnit(parameter, value))).toBe(value);
      }
    }
  });

  it('scores raw points exactly as it encodes the assignments they decode to', () => {
    const space = defineSpace({
      kind: ['a', 'b', 'c'],
      x: { min: 0, max: 1, when: { kind: 'a' } },
      n: { min: 1, max: 5, int: true, when: { kind: ['b', 'c'] } },
      depth: { choices: [3, 1, 2], when: { kind: 'c' } },
      rate: { min: 1e-4, max: 1e-1, log: true },
      flag: [true, false],
      fixed: 3,
    });
    for (const s of [space, conformanceSpace]) {
      const encoding = new SpaceEncoding(s);
      const rng = createRng(2, 'raw');
      for (let i = 0; i < 200; i++) {
        const raw = Float64Array.from({ length: encoding.rawDimension }, () => rng.next());
        const assignment = encoding.decode(raw);
        expect(assignmentProblems(s, assignment)).toEqual([]);
        const direct = Array.from(encoding.encodeRaw(raw, new Float64Array(encoding.featureCount)));
        const viaAssignment = Array.from(encoding.encode(assignment));
        direct.forEach((v, f) => expect(v).toBeCloseTo(viaAssignment[f] as number, 9));
        expect(encoding.decode(encoding.rawOf(assignment))).toEqual(assignment);
      }
    }
  });

  it('compresses bad outliers before standardizing', () => {
    // Plain standardization would leave the first five within 1e-8 of each other.
    const targets = objectiveTargets([1, 2, 3, 4, 5, 1e9]);
    expect(targets[4]! - targets[0]!).toBeGreaterThan(0.1);
    expect(targets[5]).toBeGreaterThan(targets[4] as number);
    const mean = targets.reduce((a, b) => a + b, 0) / targets.length;
    expect(mean).toBeCloseTo(0, 12);
  });
});

describe('Gaussian process', () => {
  // Two points in one dimension: ℓ = 0.5, σ_f² = 2, σ_n² = 0.1, mean 0.2.
  const data: TrainingData = { x: Float64Array.from([0, 1]), y: Float64Array.from([1, -1]), count: 2, dimension: 1 };
  const theta = [Math.log(0.5), Math.log(2), Math.log(0.1), 0.2];

  it('matches a hand-computed posterior mean and variance', () => {
    const k01 = 2 * matern(2);
    const det = 2.1 * 2.1 - k01 * k01;
    const inverse = [2.1 / det, -k01 / det, -k01 / det, 2.1 / det];
    const kStar = [2 * matern(0.3 / 0.5), 2 * matern(0.7 / 0.5)];
    const residual = [0.8, -1.2];
    const weights = [inverse[0]! * residual[0]! + inverse[1]! * residual[1]!, inverse[2]! * residual[0]! + inverse[3]! * residual[1]!];
    const mean = 0.2 + kStar[0]! * weights[0]! + kStar[1]! * weights[1]!;
    const quadratic =
      kStar[0]! * (inverse[0]! * kStar[0]! + inverse[1]! * kStar[1]!) + kStar[1]! * (inverse[2]! * kStar[0]! + inverse[3]! * kStar[1]!);
    const process = new GaussianProcess(data, theta);
    const prediction = process.predict([0.3]);
    expect(prediction.mean).toBeCloseTo(mean, 12);
    expect(prediction.variance).toBeCloseTo(2 - quadratic, 12);
    // At a training point the mean is pulled toward the observation, short of it by the noise.
    expect(process.trainingMean(0)).toBeCloseTo(process.predict([0]).mean, 12);
    expect(Math.abs(process.trainingMean(0) - 1)).toBeLessThan(0.2);
  });

  it('matches a hand-computed negative log posterior', () => {
    const k01 = 2 * matern(2);
    const det = 2.1 * 2.1 - k01 * k01;
    const r = [0.8, -1.2];
    const fit = (2.1 * r[0]! * r[0]! - 2 * k01 * r[0]! * r[1]! + 2.1 * r[1]! * r[1]!) / det;
    const negativeLogLikelihood = 0.5 * fit + 0.5 * Math.log(det) + Math.log(2 * Math.PI);
    const p = OBJECTIVE_PRIOR;
    const logPrior =
      p.lengthscale.shape * theta[0]! - p.lengthscale.rate * 0.5 + p.signal.shape * theta[1]! - p.signal.rate * 2 + p.noise.shape * theta[2]! - p.noise.rate * 0.1 - (0.2 * 0.2) / 2;
    expect(new MarginalLikelihood(data, OBJECTIVE_PRIOR).evaluate(theta)).toBeCloseTo(negativeLogLikelihood - logPrior, 10);
  });

  it('has a marginal-likelihood gradient that matches finite differences', () => {
    const training = randomData(12, 3, 1);
    const likelihood = new MarginalLikelihood(training, OBJECTIVE_PRIOR);
    const point = [Math.log(0.3), Math.log(0.8), Math.log(1.5), Math.log(0.7), Math.log(0.05), -0.3];
    const gradient = new Float64Array(point.length);
    likelihood.evaluate(point, gradient);
    for (let i = 0; i < point.length; i++) {
      const h = 1e-6;
      const up = [...point];
      const down = [...point];
      up[i]! += h;
      down[i]! -= h;
      const numeric = (likelihood.evaluate(up) - likelihood.evaluate(down)) / (2 * h);
      expect(Math.abs((gradient[i] as number) - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('has posterior mean and variance gradients that match finite differences', () => {
    const training = randomData(10, 2, 2);
    const process = new GaussianProcess(training, [Math.log(0.4), Math.log(0.9), Math.log(1.2), Math.log(1e-3), 0.1]);
    const x = [0.37, 0.61];
    const { meanGradient, varianceGradient } = process.predict(x, true);
    const analytic = [Array.from(meanGradient), Array.from(varianceGradient)];
    for (let d = 0; d < 2; d++) {
      const h = 1e-6;
      const up = [...x];
      const down = [...x];
      up[d]! += h;
      down[d]! -= h;
      const a = process.predict(up);
      const [meanUp, varianceUp] = [a.mean, a.variance];
      const b = process.predict(down);
      expect(analytic[0]![d]).toBeCloseTo((meanUp - b.mean) / (2 * h), 6);
      expect(analytic[1]![d]).toBeCloseTo((varianceUp - b.variance) / (2 * h), 6);
    }
  });

  it('conditions on an appended point exactly as if it had been in the data', () => {
    const training = randomData(8, 2, 3);
    const theta5 = [Math.log(0.3), Math.log(0.5), 0, Math.log(1e-2), 0];
    const grown = new GaussianProcess({ ...training, count: 7, x: training.x.subarray(0, 14), y: training.y.subarray(0, 7) }, theta5, 8);
    grown.addObservation(training.x.subarray(14, 16), training.y[7] as number);
    const full = new GaussianProcess(training, theta5);
    for (const x of [[0.1, 0.9], [0.5, 0.5], [0.77, 0.2]]) {
      expect(grown.predict(x).mean).toBeCloseTo(full.predict(x).mean, 10);
      expect(grown.predict(x).variance).toBeCloseTo(full.predict(x).variance, 10);
    }
  });
});

describe('log expected improvement acquisition', () => {
  const training = randomData(10, 2, 4);
  const process = new GaussianProcess(training, [Math.log(0.4), Math.log(0.6), 0, Math.log(1e-3), 0]);
  const x = [0.42, 0.18];
  const { mean, variance } = process.predict(x);
  const sigma = Math.sqrt(variance);

  it('matches log(σ(zΦ(z) + φ(z))) where the direct formula is stable', () => {
    for (const z of [-3, -1.5, -0.2, 0, 0.8, 2.5]) {
      const direct = Math.log(sigma * (z * normalCdf(z) + normalPdf(z)));
      expect(acquisitionValue({ objective: process, incumbent: mean + z * sigma }, x)).toBeCloseTo(direct, 10);
    }
  });

  it('stays finite and ordered far in the tail, where the direct formula underflows', () => {
    const values = [40, 1e3, 1e6].map((k) => acquisitionValue({ objective: process, incumbent: mean - k * sigma }, x));
    expect(Math.log(sigma * (-40 * normalCdf(-40) + normalPdf(-40)))).toBe(Number.NEGATIVE_INFINITY);
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    expect(values[0]).toBeGreaterThan(values[1] as number);
    expect(values[1]).toBeGreaterThan(values[2] as number);
  });

  it('has input gradients that match finite differences, with and without feasibility', () => {
    const labels = new GaussianProcess(
      { ...training, y: Float64Array.from(training.y, (v) => (v > 0 ? 1 : -1)) },
      [Math.log(0.3), Math.log(0.3), 0, Math.log(0.05), 0],
    );
    for (const model of [
      { objective: process, incumbent: mean - 2 * sigma },
      { objective: process, incumbent: mean - 2 * sigma, feasibility: labels },
    ]) {
      const gradient = new Float64Array(2);
      acquisitionValue(model, x, gradient);
      for (let d = 0; d < 2; d++) {
        const h = 1e-6;
        const up = [...x];
        const down = [...x];
        up[d]! += h;
        down[d]! -= h;
        const numeric = (acquisitionValue(model, up) - acquisitionValue(model, down)) / (2 * h);
        expect(gradient[d]).toBeCloseTo(numeric, 5);
      }
    }
    expect(logProbabilityOfFeasibility(labels, x)).toBeLessThanOrEqual(0);
    expect(logNormalCdf(0)).toBeCloseTo(Math.log(0.5), 14);
  });
});

/** Observations of a function at given assignments, all completed. */
function observe(assignments: readonly Assignment[], value: (a: Assignment) => number): Observation[] {
  return assignments.map((assignment, number) => ({ number, assignment, outcome: 'completed', value: value(assignment) }));
}

describe('bayesian strategy', () => {
  const braninSpace = defineSpace(branin.space);

  it('proposes distinct, spread-out batches and avoids pending points', () => {
    const tuner = createTuner({ space: branin.space, strategy: bayesianStrategy(), direction: 'minimize', seed: 3 });
    for (let i = 0; i < 10; i++) {
      const [trial] = tuner.ask();
      tuner.tell(trial!.id, branin.evaluate(trial!.params));
    }
    const pending = tuner.ask(2);
    const batch = tuner.ask(4);
    const all = [...pending, ...batch].map((t) => t.params);
    expect(new Set(all.map(assignmentKey)).size).toBe(6);
    const unit = (a: Assignment) => [(Number(a.x1) + 5) / 15, Number(a.x2) / 15];
    for (let i = 0; i < all.length; i++) {
      for (let j = 0; j < i; j++) {
        const [p, q] = [unit(all[i]!), unit(all[j]!)];
        expect(Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!)).toBeGreaterThan(0.01);
      }
    }
  });

  it('steers away from a region labelled infeasible', () => {
    const space = defineSpace({ x: { min: 0, max: 1 } });
    const xs = Array.from({ length: 10 }, (_, i) => 0.05 + 0.1 * i);
    // Lower is better toward x = 1, but every trial beyond 0.6 was infeasible.
    const labelled: Observation[] = xs.map((x, number) =>
      x > 0.6 ? { number, assignment: { x }, outcome: 'infeasible' } : { number, assignment: { x }, outcome: 'completed', value: -x },
    );
    const propose = (history: Observation[]) =>
      Number(bayesianStrategy().propose({ space, seed: 1, direction: 'minimize', history, state: undefined, count: 1 }).candidates[0]!.assignment.x);
    expect(propose(labelled)).toBeLessThan(0.7);
    // Without the infeasible trials the same model heads straight for the unexplored side.
    expect(propose(labelled.filter((o) => o.outcome === 'completed'))).toBeGreaterThan(0.7);
  });

  it('searches categorical and conditional spaces with valid, new assignments and finds the good branch', () => {
    const space = defineSpace({
      kind: ['a', 'b', 'c'],
      x: { min: 0, max: 1, when: { kind: 'a' } },
      n: { min: 1, max: 5, int: true, when: { kind: ['b', 'c'] } },
      depth: { choices: [1, 2, 3], when: { kind: 'c' } },
      rate: { min: 1e-4, max: 1e-1, log: true },
      units: { min: 8, max: 512, int: true, log: true },
      width: { min: 2, max: 10, step: 2, int: true },
      flag: [true, false],
      size: [64, 16, 32],
      fixed: 3,
    });
    const objective = (a: Assignment) =>
      (a.kind === 'b' ? 0 : 1) + (Math.log10(Number(a.rate)) + 2) ** 2 + (Number(a.n ?? 3) - 4) ** 2 / 10 + (a.flag ? 0 : 0.3) + Math.abs(Number(a.size) - 32) / 64;
    const tuner = createTuner({ space, strategy: bayesianStrategy(), direction: 'minimize', seed: 11 });
    const keys = new Set<string>();
    let modelled = 0;
    for (let round = 0; round < 12; round++) {
      for (const trial of tuner.ask(2)) {
        expect(assignmentProblems(space, trial.params)).toEqual([]);
        keys.add(assignmentKey(trial.params));
        if (trial.id >= 12 && trial.params.kind === 'b') modelled++;
        tuner.tell(trial.id, objective(trial.params));
      }
    }
    expect(keys.size).toBe(24);
    expect(modelled).toBeGreaterThan(6); // most of the 12 model-based trials pick the best branch
    expect(tuner.best()!.value).toBeLessThan(0.5);
  });

  it('proposes every point of a small discrete space once, then reports exhaustion', () => {
    const space = defineSpace({ a: [1, 2, 3], b: ['x', 'y'] });
    const history: Observation[] = [];
    let state: BayesianState | undefined;
    for (let round = 0; round < 5; round++) {
      const proposal = bayesianStrategy().propose({ space, seed: 2, direction: 'maximize', history, state, count: 2 });
      state = proposal.state;
      for (const c of proposal.candidates) history.push({ number: history.length, assignment: c.assignment, outcome: 'completed', value: Number(c.assignment.a) });
      if (round === 4) expect(proposal).toMatchObject({ candidates: [], exhausted: true });
    }
    expect(new Set(history.map((o) => assignmentKey(o.assignment))).size).toBe(6);
    expect(history).toHaveLength(6);
  });

  it('keeps working when trials fail, are pruned or infeasible', () => {
    const rng = createRng(4, 'points');
    const points = Array.from({ length: 14 }, () => ({ x1: -5 + 15 * rng.next(), x2: 15 * rng.next() }));
    const history: Observation[] = observe(points, branin.evaluate).map((o, i) =>
      i % 4 === 1 ? { ...o, outcome: 'failed', value: Number.NaN } : i % 4 === 2 ? { number: o.number, assignment: o.assignment, outcome: 'infeasible' } : i === 3 ? { ...o, outcome: 'pruned' } : o,
    );
    const proposal = bayesianStrategy().propose({ space: braninSpace, seed: 5, direction: 'minimize', history, state: undefined, count: 3 });
    expect(proposal.candidates).toHaveLength(3);
    for (const c of proposal.candidates) expect(assignmentProblems(braninSpace, c.assignment)).toEqual([]);
    expect(JSON.parse(JSON.stringify(proposal.state))).toEqual(proposal.state);
    expect(proposal.state.objective).not.toBeNull();
    expect(proposal.state.feasibility).not.toBeNull();
  });

  it('beats the median of random search on Branin after 30 trials', () => {
    const bestAfter = (strategy: Strategy, seed: number) => {
      const tuner = createTuner({ space: branin.space, strategy, direction: 'minimize', seed });
      for (let i = 0; i < 30; i++) {
        const [trial] = tuner.ask();
        tuner.tell(trial!.id, branin.evaluate(trial!.params));
      }
      return tuner.best()!.value - branin.minimum;
    };
    const random = Array.from({ length: 21 }, (_, seed) => bestAfter(randomStrategy as Strategy, seed)).sort((a, b) => a - b);
    const randomMedian = random[10] as number;
    const bayesian = bestAfter(bayesianStrategy() as Strategy, 0);
    expect(bayesian).toBeLessThan(randomMedian / 20);
  });
});
