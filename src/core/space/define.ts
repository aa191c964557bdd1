/**
 * Search spaces for any function, not only neural networks: a plain record of parameter
 * domains for the ask/tell tuner and the benchmarks. A domain is a fixed value, a list of
 * choices, or a numeric range; `when` makes a parameter conditional on a choice.
 */
import type { Scalar } from './catalog.js';
import type { Condition, Parameter, SearchSpace } from './space.js';

export interface RangeDefinition {
  readonly min: number;
  readonly max: number;
  readonly log?: boolean;
  /** Integer values only. */
  readonly int?: boolean;
  readonly step?: number;
  /** Active only when another (categorical) parameter takes one of the given values. */
  readonly when?: Readonly<Record<string, Scalar | readonly Scalar[]>>;
}

export interface ChoiceDefinition {
  readonly choices: readonly Scalar[];
  readonly when?: Readonly<Record<string, Scalar | readonly Scalar[]>>;
}

export type ParameterDefinition = Scalar | readonly Scalar[] | RangeDefinition | ChoiceDefinition;

function conditionOf(name: string, when: RangeDefinition['when']): Condition | undefined {
  if (!when) return undefined;
  const entries = Object.entries(when);
  if (entries.length !== 1) throw new RangeError(`${name}: 'when' names exactly one parameter`);
  const [parameter, values] = entries[0] as [string, Scalar | readonly Scalar[]];
  return { parameter, values: Array.isArray(values) ? values : [values as Scalar] };
}

/** Compile a definition into a space, parents before the parameters conditioned on them. */
export function defineSpace(definition: Readonly<Record<string, ParameterDefinition>>): SearchSpace {
  const compiled = new Map<string, Parameter>();
  for (const [name, domain] of Object.entries(definition)) {
    if (typeof domain !== 'object') {
      compiled.set(name, { kind: 'categorical', name, choices: [domain], ordered: typeof domain === 'number' });
    } else if (Array.isArray(domain) || 'choices' in domain) {
      const choices = (Array.isArray(domain) ? domain : (domain as ChoiceDefinition).choices) as readonly Scalar[];
      if (choices.length === 0) throw new RangeError(`${name}: a list of choices must not be empty`);
      const condition = Array.isArray(domain) ? undefined : conditionOf(name, (domain as ChoiceDefinition).when);
      compiled.set(name, { kind: 'categorical', name, choices, ordered: choices.every((c) => typeof c === 'number'), ...(condition ? { condition } : {}) });
    } else {
      const range = domain as RangeDefinition;
      if (!(range.min <= range.max)) throw new RangeError(`${name}: min must not exceed max`);
      if (range.log && range.min <= 0) throw new RangeError(`${name}: a log range needs min > 0`);
      const condition = conditionOf(name, range.when);
      compiled.set(name, {
        kind: range.int ? 'int' : 'float',
        name,
        low: range.min,
        high: range.max,
        log: range.log ?? false,
        ...(range.step !== undefined ? { step: range.step } : {}),
        ...(condition ? { condition } : {}),
      });
    }
  }
  // Order parents first; a condition must name a categorical parameter defined here.
  const ordered: Parameter[] = [];
  const placed = new Set<string>();
  const place = (parameter: Parameter, trail: string[]) => {
    if (placed.has(parameter.name)) return;
    if (trail.includes(parameter.name)) throw new RangeError(`conditions form a cycle: ${[...trail, parameter.name].join(' -> ')}`);
    if (parameter.condition) {
      const parent = compiled.get(parameter.condition.parameter);
      if (!parent || parent.kind !== 'categorical') {
        throw new RangeError(`${parameter.name}: 'when' needs a parameter with choices, not ${parameter.condition.parameter}`);
      }
      place(parent, [...trail, parameter.name]);
    }
    placed.add(parameter.name);
    ordered.push(parameter);
  };
  for (const parameter of compiled.values()) place(parameter, []);
  return { parameters: ordered };
}
