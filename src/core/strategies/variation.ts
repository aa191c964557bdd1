/**
 * Variation operators shared by the evolutionary strategies: unit-space coordinates of
 * ranges, mutation and crossover, condition-aware repair, and the draw-until-new loop.
 */
import type { Rng } from '../random.js';
import type { Scalar } from '../space/catalog.js';
import { assignmentKey, fromUnit, isActive, snap } from '../space/space.js';
import type { Assignment, ChoiceParameter, Parameter, RangeParameter, SearchSpace } from '../space/space.js';

/** The unit-interval coordinate of a range value: the inverse of `fromUnit` (cell centres for integers). */
export function toUnit(parameter: RangeParameter, value: number): number {
  const isInt = parameter.kind === 'int';
  const hi = isInt ? parameter.high + 0.999 : parameter.high;
  const v = isInt ? value + 0.5 : value;
  const u = parameter.log
    ? (Math.log(v) - Math.log(parameter.low)) / (Math.log(hi) - Math.log(parameter.low))
    : (v - parameter.low) / (hi - parameter.low);
  return Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0.5;
}

/** Whether a parameter can take more than one value. */
export function isMutable(parameter: Parameter): boolean {
  return parameter.kind === 'categorical' ? parameter.choices.length > 1 : parameter.high > parameter.low;
}

/** One value drawn uniformly (log-uniformly on log ranges). */
export function sampleValue(parameter: Parameter, rng: Rng): Scalar {
  return parameter.kind === 'categorical' ? rng.pick(parameter.choices) : fromUnit(parameter, rng.next());
}

/** Reflect a coordinate into [0, 1]. */
function reflect(u: number): number {
  let x = u;
  for (let i = 0; i < 8 && (x < 0 || x > 1); i++) x = x < 0 ? -x : 2 - x;
  return Math.min(1, Math.max(0, x));
}

/** The neighbouring value one grid step away (integers, steps), or undefined for a continuous range at a bound. */
function neighbour(parameter: RangeParameter, value: number, rng: Rng): number | undefined {
  const step = parameter.step ?? (parameter.kind === 'int' ? 1 : undefined);
  if (step === undefined) return undefined;
  const options = [value - step, value + step].filter((v) => v >= parameter.low && v <= parameter.high);
  return options.length > 0 ? snap(parameter, rng.pick(options)) : undefined;
}

/**
 * Gaussian mutation in unit space (standard deviation `scale`, reflected at the bounds);
 * the result differs from `value` whenever the range allows.
 */
export function gaussianMutation(parameter: RangeParameter, value: number, rng: Rng, scale = 0.1): number {
  const u = toUnit(parameter, value);
  for (let attempt = 0; attempt < 8; attempt++) {
    const next = fromUnit(parameter, reflect(u + scale * rng.normal()));
    if (next !== value) return next;
  }
  return neighbour(parameter, value, rng) ?? fromUnit(parameter, rng.next());
}

/** Bounded polynomial mutation in unit space with distribution index `eta`. */
export function polynomialMutation(parameter: RangeParameter, value: number, rng: Rng, eta = 20): number {
  const u = toUnit(parameter, value);
  const r = rng.next();
  let delta: number;
  if (r < 0.5) {
    const xy = 1 - u;
    delta = (2 * r + (1 - 2 * r) * xy ** (eta + 1)) ** (1 / (eta + 1)) - 1;
  } else {
    const xy = u;
    delta = 1 - (2 * (1 - r) + 2 * (r - 0.5) * xy ** (eta + 1)) ** (1 / (eta + 1));
  }
  return fromUnit(parameter, Math.min(1, Math.max(0, u + delta)));
}

/** Simulated binary crossover (bounded, distribution index `eta`) of two range values; returns one child value. */
export function sbxCrossover(parameter: RangeParameter, a: number, b: number, rng: Rng, eta = 20): number {
  const ua = toUnit(parameter, a);
  const ub = toUnit(parameter, b);
  if (Math.abs(ua - ub) < 1e-12) return rng.next() < 0.5 ? a : b;
  const y1 = Math.min(ua, ub);
  const y2 = Math.max(ua, ub);
  const r = rng.next();
  const spread = (beta: number) => {
    const alpha = 2 - beta ** -(eta + 1);
    return r <= 1 / alpha ? (r * alpha) ** (1 / (eta + 1)) : (1 / (2 - r * alpha)) ** (1 / (eta + 1));
  };
  const c1 = 0.5 * (y1 + y2 - spread(1 + (2 * y1) / (y2 - y1)) * (y2 - y1));
  const c2 = 0.5 * (y1 + y2 + spread(1 + (2 * (1 - y2)) / (y2 - y1)) * (y2 - y1));
  const child = rng.next() < 0.5 ? c1 : c2;
  return fromUnit(parameter, Math.min(1, Math.max(0, child)));
}

/** A different choice: a neighbour half of the time for ordered choices, otherwise any other choice. */
export function mutateChoice(parameter: ChoiceParameter, value: Scalar, rng: Rng): Scalar {
  const others = parameter.choices.filter((c) => c !== value);
  if (others.length === 0) return value;
  const index = parameter.choices.indexOf(value);
  if (parameter.ordered && parameter.choices.length > 2 && index >= 0 && rng.next() < 0.5) {
    const near = [parameter.choices[index - 1], parameter.choices[index + 1]].filter((c): c is Scalar => c !== undefined);
    return rng.pick(near);
  }
  return rng.pick(others);
}

/**
 * Make a partial or stale assignment valid: walk the parameters in order (parents first),
 * keep the values of active parameters, draw the missing ones (e.g. a newly chosen
 * family's branch) and drop the inactive ones.
 */
export function repairAssignment(space: SearchSpace, assignment: Assignment, rng: Rng): Assignment {
  const out: Record<string, Scalar> = {};
  for (const parameter of space.parameters) {
    if (!isActive(parameter, out)) continue;
    const value = assignment[parameter.name];
    out[parameter.name] = value !== undefined && inDomain(parameter, value) ? value : sampleValue(parameter, rng);
  }
  return out;
}

function inDomain(parameter: Parameter, value: Scalar): boolean {
  if (parameter.kind === 'categorical') return parameter.choices.includes(value);
  return typeof value === 'number' && value >= parameter.low && value <= parameter.high;
}

/**
 * Draw candidates until one is new (its key not in `seen`) and feasible, or the attempts
 * run out. `draw(attempt)` may return undefined to skip an attempt.
 */
export function drawNew(
  draw: (attempt: number) => Assignment | undefined,
  attempts: number,
  seen: ReadonlySet<string>,
  feasible?: (assignment: Assignment) => boolean,
): Assignment | undefined {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const candidate = draw(attempt);
    if (candidate && !seen.has(assignmentKey(candidate)) && (feasible?.(candidate) ?? true)) return candidate;
  }
  return undefined;
}
