/**
 * Maximizing the acquisition over a (conditional, mixed) search space. A pool of
 * quasi-random points (scrambled Halton) and perturbations of the best observed points is
 * ranked by a cheap upper bound and scored exactly only while the bound can still beat the
 * points kept; the best few start local searches that alternate bounded quasi-Newton steps on
 * the active continuous coordinates (integers relaxed, snapped at the end) with
 * exhaustive one-parameter moves over the active choices. Only points that satisfy the
 * known constraints and are not already in the history are ever returned.
 */
import { minimizeInBox } from '../../math/optimize.js';
import type { ScrambledHalton } from '../../math/halton.js';
import type { Rng } from '../../random.js';
import { assignmentKey, type Assignment } from '../../space/space.js';
import { acquisitionUpperBound, acquisitionValue, type AcquisitionModel } from './acquisition.js';
import { cellOf, type SpaceEncoding } from './encoding.js';

/** A point with its acquisition value. */
export interface ScoredPoint {
  readonly assignment: Assignment;
  readonly key: string;
  readonly value: number;
  /** A raw point that decodes to the assignment (ranges unsnapped when refined). */
  readonly raw: Float64Array;
}

/** Everything one acquisition search needs. */
export interface AcquisitionSearch {
  readonly encoding: SpaceEncoding;
  readonly model: AcquisitionModel;
  /** Keys of points that must not be proposed (the history and this batch so far). */
  readonly seen: ReadonlySet<string>;
  /** Known constraints. */
  readonly feasible?: (assignment: Assignment) => boolean;
  /** Quasi-random points over the raw cube. */
  readonly halton: ScrambledHalton;
  /** Randomness for the perturbations around anchors. */
  readonly rng: Rng;
  /** Observed points worth searching around (best first). */
  readonly anchors: readonly Assignment[];
  /** Quasi-random pool size. */
  readonly poolSize: number;
  /** Perturbations per anchor. */
  readonly perAnchor: number;
  /** Local searches started from the best pool points. */
  readonly starts: number;
  /** Quasi-Newton iterations per continuous refinement. */
  readonly localIterations: number;
}

/** Standard deviations of the perturbations around anchors, in unit coordinates. */
const PERTURBATION_SCALES = [0.003, 0.015, 0.05, 0.15];
/** Alternations of continuous refinement and choice moves per local search. */
const LOCAL_ROUNDS = 3;

/** The best acceptable point found, or undefined when no acceptable point turned up. */
export function maximizeAcquisition(search: AcquisitionSearch): ScoredPoint | undefined {
  const { encoding, model } = search;
  const features = new Float64Array(encoding.featureCount);
  const dimension = encoding.rawDimension;

  const score = (raw: Float64Array): ScoredPoint | undefined => {
    const assignment = encoding.decode(raw);
    const key = assignmentKey(assignment);
    if (search.seen.has(key)) return undefined;
    if (search.feasible && !search.feasible(assignment)) return undefined;
    encoding.encode(assignment, features);
    return { assignment, key, value: acquisitionValue(model, features), raw: Float64Array.from(raw) };
  };

  // The pool: quasi-random points, then perturbations of the anchors, scored from raw coordinates.
  const total = search.poolSize + search.anchors.length * search.perAnchor;
  const raws = new Float64Array(total * dimension);
  for (let i = 0; i < search.poolSize; i++) search.halton.point(i, raws.subarray(i * dimension, (i + 1) * dimension));
  let filled = search.poolSize;
  for (const anchor of search.anchors) {
    const base = encoding.rawOf(anchor);
    const varying = encoding.activeRanges(anchor).length + encoding.activeChoices(anchor).length;
    for (let t = 0; t < search.perAnchor; t++) {
      const scale = PERTURBATION_SCALES[t % PERTURBATION_SCALES.length] as number;
      const raw = raws.subarray(filled * dimension, (filled + 1) * dimension);
      filled++;
      raw.set(base);
      for (const coding of encoding.codings) {
        if (anchor[coding.parameter.name] === undefined) {
          raw[coding.index] = search.rng.next();
        } else if (coding.kind === 'range') {
          const moved = (base[coding.index] as number) + scale * search.rng.normal();
          raw[coding.index] = Math.min(1, Math.max(0, moved));
        } else if (coding.kind !== 'fixed' && search.rng.next() < 1 / Math.max(2, varying)) {
          raw[coding.index] = search.rng.next();
        }
      }
    }
  }
  // Branch and bound: rank by a cheap upper bound, compute exact values in that order, and
  // stop once no remaining bound can beat the worst of the starts kept.
  const featureCount = encoding.featureCount;
  const encoded = new Float64Array(total * featureCount);
  const bounds = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    const x = encoded.subarray(i * featureCount, (i + 1) * featureCount);
    encoding.encodeRaw(raws.subarray(i * dimension, (i + 1) * dimension), x);
    bounds[i] = acquisitionUpperBound(model, x);
  }
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => (bounds[b] as number) - (bounds[a] as number) || a - b);
  const starts: ScoredPoint[] = [];
  const taken = new Set<string>();
  const worstKept = () => (starts.length < search.starts ? Number.NEGATIVE_INFINITY : (starts[starts.length - 1] as ScoredPoint).value);
  for (const i of order) {
    if ((bounds[i] as number) <= worstKept()) break;
    const value = acquisitionValue(model, encoded.subarray(i * featureCount, (i + 1) * featureCount));
    if (value <= worstKept()) continue;
    const point = score(raws.subarray(i * dimension, (i + 1) * dimension));
    if (!point || taken.has(point.key)) continue;
    taken.add(point.key);
    starts.push(point);
    starts.sort((a, b) => b.value - a.value);
    if (starts.length > search.starts) starts.pop();
  }
  let best: ScoredPoint | undefined;
  for (const start of starts) {
    const refined = refine(search, start, score);
    if (!best || refined.value > best.value) best = refined;
  }
  return best;
}

/** Local search from one start: continuous refinement, then the best single choice move, repeated. */
function refine(search: AcquisitionSearch, start: ScoredPoint, score: (raw: Float64Array) => ScoredPoint | undefined): ScoredPoint {
  const { encoding, model } = search;
  let current = start;
  const features = new Float64Array(encoding.featureCount);
  const featureGradient = new Float64Array(encoding.featureCount);
  for (let round = 0; round < LOCAL_ROUNDS; round++) {
    const ranges = encoding.activeRanges(current.assignment);
    if (ranges.length > 0) {
      const base = encoding.encode(current.assignment);
      const objective = (u: Float64Array, gradient: Float64Array): number => {
        features.set(base);
        for (let k = 0; k < ranges.length; k++) features[(ranges[k] as (typeof ranges)[number]).feature] = u[k] as number;
        const value = acquisitionValue(model, features, featureGradient);
        for (let k = 0; k < ranges.length; k++) gradient[k] = -(featureGradient[(ranges[k] as (typeof ranges)[number]).feature] as number);
        return -value;
      };
      const start = Float64Array.from(ranges, (c) => current.raw[c.index] as number);
      const result = minimizeInBox(objective, start, new Float64Array(ranges.length), new Float64Array(ranges.length).fill(1), {
        maxIterations: search.localIterations,
        maxEvaluations: 2 * search.localIterations,
        gradientTolerance: 1e-7,
        relativeTolerance: 1e-9,
      });
      const moved = Float64Array.from(current.raw);
      ranges.forEach((c, k) => (moved[c.index] = result.x[k] as number));
      const candidate = score(moved);
      if (candidate && candidate.value > current.value) current = candidate;
    }

    let move: ScoredPoint | undefined;
    for (const coding of encoding.activeChoices(current.assignment)) {
      const cells = coding.order.length;
      const at = cellOf(current.raw[coding.index] as number, cells);
      for (let cell = 0; cell < cells; cell++) {
        if (cell === at) continue;
        const switched = Float64Array.from(current.raw);
        switched[coding.index] = (cell + 0.5) / cells;
        const candidate = score(switched);
        if (candidate && candidate.value > (move?.value ?? current.value)) move = candidate;
      }
    }
    if (!move) break;
    current = move;
  }
  return current;
}
