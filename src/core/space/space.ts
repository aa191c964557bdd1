/**
 * The search space: a flat list of typed parameters compiled from a spec's `space`
 * block, with conditions (a CNN's filters exist only when family is cnn). Strategies see
 * only this structure; an {@link Assignment} is one point in it.
 */
import { SpecError } from '../errors.js';
import type { Rng } from '../random.js';
import type { SpaceSpec } from '../spec/schema.js';
import { specFamilies } from '../spec/schema.js';
import { COMMON_PARAMETERS, FAMILY_PARAMETERS, type CatalogEntry, type Domain, type Family, type Scalar } from './catalog.js';

/** A numeric range parameter. */
export interface RangeParameter {
  readonly kind: 'int' | 'float';
  readonly name: string;
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step?: number;
  readonly condition?: Condition;
}

/** A choice among listed values (a fixed value is a choice of one). */
export interface ChoiceParameter {
  readonly kind: 'categorical';
  readonly name: string;
  readonly choices: readonly Scalar[];
  /** True when every choice is a number, so choices have an order. */
  readonly ordered: boolean;
  readonly condition?: Condition;
}

export type Parameter = RangeParameter | ChoiceParameter;

/** The parameter is active only when `parameter` has one of `values`. */
export interface Condition {
  readonly parameter: string;
  readonly values: readonly Scalar[];
}

export interface SearchSpace {
  /** Parents come before the parameters conditioned on them. */
  readonly parameters: readonly Parameter[];
}

/** One point in a search space: parameter name to value, inactive parameters absent. */
export type Assignment = Readonly<Record<string, Scalar>>;

/** Compile the spec's `space` block, filling unspecified parameters from the catalog. */
export function compileSpace(space: SpaceSpec): SearchSpace {
  const families = specFamilies(space);
  const parameters: Parameter[] = [toParameter('family', { kind: 'categorical', choices: families, fallback: families[0] as string, doc: '' }, families)];
  const given = space as unknown as Record<string, unknown>;
  for (const [name, entry] of Object.entries(COMMON_PARAMETERS) as [string, CatalogEntry][]) {
    parameters.push(toParameter(name, entry, given[name] as Domain | undefined));
  }
  for (const family of families) {
    const block = (given[family] ?? {}) as Record<string, Domain | undefined>;
    for (const [name, entry] of Object.entries(FAMILY_PARAMETERS[family]) as [string, CatalogEntry][]) {
      parameters.push(toParameter(`${family}.${name}`, entry, block[name], { parameter: 'family', values: [family] }));
    }
  }
  return { parameters };
}

function toParameter(name: string, entry: CatalogEntry, domain: Domain | undefined, condition?: Condition): Parameter {
  const d = domain ?? entry.fallback;
  const withCondition = condition ? { condition } : {};
  if (Array.isArray(d) || typeof d !== 'object') {
    const choices = (Array.isArray(d) ? [...new Set(d as Scalar[])] : [d]) as Scalar[];
    return { kind: 'categorical', name, choices, ordered: choices.every((c) => typeof c === 'number'), ...withCondition };
  }
  const range = d as { min: number; max: number; log?: boolean; step?: number };
  if (entry.kind === 'categorical') throw new SpecError([{ path: `space.${name}`, message: 'expected a choice, not a range' }]);
  if (range.min === range.max) return { kind: 'categorical', name, choices: [range.min], ordered: true, ...withCondition };
  return {
    kind: entry.kind,
    name,
    low: range.min,
    high: range.max,
    log: range.log ?? false,
    ...(range.step !== undefined ? { step: range.step } : {}),
    ...withCondition,
  };
}

/** Whether a parameter takes part in an assignment whose earlier values are known. */
export function isActive(parameter: Parameter, assignment: Assignment): boolean {
  if (!parameter.condition) return true;
  const parent = assignment[parameter.condition.parameter];
  return parent !== undefined && parameter.condition.values.includes(parent);
}

/** Snap a raw numeric value onto a range parameter: clamp, apply step, round integers. */
export function snap(parameter: RangeParameter, raw: number): number {
  let value = Math.min(parameter.high, Math.max(parameter.low, raw));
  if (parameter.step !== undefined) {
    value = parameter.low + Math.round((value - parameter.low) / parameter.step) * parameter.step;
    if (value > parameter.high) value -= parameter.step;
  }
  if (parameter.kind === 'int') value = Math.round(value);
  return parameter.kind === 'float' ? Number(value.toPrecision(12)) : value;
}

/** Map a unit-interval coordinate to a range value (log-aware). */
export function fromUnit(parameter: RangeParameter, u: number): number {
  if (parameter.log) {
    const lo = Math.log(parameter.low);
    const hi = Math.log(parameter.kind === 'int' ? parameter.high + 0.999 : parameter.high);
    const raw = Math.exp(lo + u * (hi - lo));
    return snap(parameter, parameter.kind === 'int' ? Math.floor(raw) : raw);
  }
  const hi = parameter.kind === 'int' ? parameter.high + 0.999 : parameter.high;
  const raw = parameter.low + u * (hi - parameter.low);
  return snap(parameter, parameter.kind === 'int' ? Math.floor(raw) : raw);
}

/** Draw one assignment uniformly (log-uniform on log ranges). */
export function sampleAssignment(space: SearchSpace, rng: Rng): Assignment {
  const assignment: Record<string, Scalar> = {};
  for (const parameter of space.parameters) {
    if (!isActive(parameter, assignment)) continue;
    assignment[parameter.name] = parameter.kind === 'categorical' ? rng.pick(parameter.choices) : fromUnit(parameter, rng.next());
  }
  return assignment;
}

/** A canonical text key for an assignment, equal for equal points. */
export function assignmentKey(assignment: Assignment): string {
  return JSON.stringify(Object.keys(assignment).sort().map((k) => [k, assignment[k]]));
}

/**
 * Check that an assignment lies in the space: every active parameter present and in its
 * domain, no inactive or unknown parameter. Returns the problems found (empty when valid).
 */
export function assignmentProblems(space: SearchSpace, assignment: Assignment): string[] {
  const problems: string[] = [];
  const known = new Set(space.parameters.map((p) => p.name));
  for (const key of Object.keys(assignment)) if (!known.has(key)) problems.push(`${key} is not a parameter`);
  for (const parameter of space.parameters) {
    const value = assignment[parameter.name];
    if (!isActive(parameter, assignment)) {
      if (value !== undefined) problems.push(`${parameter.name} is set but inactive`);
      continue;
    }
    if (value === undefined) problems.push(`${parameter.name} is missing`);
    else if (parameter.kind === 'categorical') {
      if (!parameter.choices.includes(value)) problems.push(`${parameter.name}=${String(value)} is not a choice`);
    } else if (typeof value !== 'number' || value < parameter.low || value > parameter.high) {
      problems.push(`${parameter.name}=${String(value)} is outside [${parameter.low}, ${parameter.high}]`);
    } else if (parameter.kind === 'int' && !Number.isInteger(value)) {
      problems.push(`${parameter.name}=${value} is not an integer`);
    }
  }
  return problems;
}

/** Read a family's hyperparameter from an assignment, typed by the caller. */
export function familyValue<T extends Scalar>(assignment: Assignment, family: Family, name: string): T {
  const value = assignment[`${family}.${name}`];
  if (value === undefined) throw new RangeError(`assignment has no ${family}.${name}`);
  return value as T;
}
