/**
 * How points of a search space become model inputs. Every parameter owns one coordinate
 * of a "raw" point in the unit cube (ranges through the same log-aware mapping as
 * `fromUnit`, choices by equal-width cells), which decodes to an assignment; an
 * assignment encodes to the features a Gaussian process sees: ranges as their unit
 * coordinate, unordered choices (and every condition's parent) one-hot, ordered numeric
 * choices by rank. Inactive parameters take a fixed neutral value (0.5, or an all-zero
 * one-hot), so the parent's one-hot tells branches apart.
 */
import type { Scalar } from '../../space/catalog.js';
import { fromUnit, isActive, snap } from '../../space/space.js';
import type { Assignment, ChoiceParameter, Parameter, RangeParameter, SearchSpace } from '../../space/space.js';

/** The feature value of an inactive range or ordinal parameter. */
export const INACTIVE_VALUE = 0.5;

/** How one parameter is coded. `index` is its raw coordinate, `feature` its first feature. */
export type ParameterCoding =
  | { readonly kind: 'range'; readonly parameter: RangeParameter; readonly index: number; readonly feature: number }
  | {
      readonly kind: 'onehot' | 'ordinal';
      readonly parameter: ChoiceParameter;
      readonly index: number;
      readonly feature: number;
      /** Choice indices in cell order (ascending value for ordinal choices). */
      readonly order: readonly number[];
    }
  | { readonly kind: 'fixed'; readonly parameter: Parameter; readonly index: number };

/** The unit coordinate of a range value: the inverse of `fromUnit` (integers at their cell's center). */
export function toUnit(parameter: RangeParameter, value: number): number {
  const int = parameter.kind === 'int';
  const high = int ? parameter.high + 0.999 : parameter.high;
  const shifted = int ? value + 0.4995 : value;
  const u = parameter.log
    ? (Math.log(shifted) - Math.log(parameter.low)) / (Math.log(high) - Math.log(parameter.low))
    : (shifted - parameter.low) / (high - parameter.low);
  return Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : INACTIVE_VALUE;
}

/** The cell (0 … size-1) a unit coordinate falls in. */
export function cellOf(u: number, size: number): number {
  return Math.min(size - 1, Math.max(0, Math.floor(u * size)));
}

function isFixed(parameter: Parameter): boolean {
  if (parameter.kind === 'categorical') return parameter.choices.length <= 1;
  return !(parameter.high > parameter.low) || snap(parameter, parameter.low) === snap(parameter, parameter.high);
}

/** The coding of a search space, fixed for the whole search. */
export class SpaceEncoding {
  readonly codings: readonly ParameterCoding[];
  /** Features the model sees. */
  readonly featureCount: number;
  /** Coordinates of a raw point (one per parameter). */
  readonly rawDimension: number;
  /** Parameters that can vary. */
  readonly searchDimension: number;
  /** Per parameter, the raw index of the parent its condition names (-1 without a condition). */
  private readonly parentIndex: Int32Array;
  /** Per parameter with a condition, the parent's choice indices that activate it. */
  private readonly activatingChoices: readonly (ReadonlySet<number> | undefined)[];
  /** Scratch for `encodeRaw`: per parameter, its choice index, -1 for an active range, -2 when inactive. */
  private readonly decodedChoices: Int32Array;

  constructor(readonly space: SearchSpace) {
    const parents = new Set(space.parameters.flatMap((p) => (p.condition ? [p.condition.parameter] : [])));
    const codings: ParameterCoding[] = [];
    let feature = 0;
    space.parameters.forEach((parameter, index) => {
      if (isFixed(parameter)) {
        codings.push({ kind: 'fixed', parameter, index });
      } else if (parameter.kind !== 'categorical') {
        codings.push({ kind: 'range', parameter, index, feature });
        feature += 1;
      } else if (parameter.ordered && !parents.has(parameter.name)) {
        const order = parameter.choices.map((_, i) => i).sort((a, b) => Number(parameter.choices[a]) - Number(parameter.choices[b]));
        codings.push({ kind: 'ordinal', parameter, index, feature, order });
        feature += 1;
      } else {
        codings.push({ kind: 'onehot', parameter, index, feature, order: parameter.choices.map((_, i) => i) });
        feature += parameter.choices.length;
      }
    });
    this.codings = codings;
    this.featureCount = feature;
    this.rawDimension = space.parameters.length;
    this.searchDimension = codings.filter((c) => c.kind !== 'fixed').length;
    const indexOf = new Map(space.parameters.map((p, i) => [p.name, i]));
    this.parentIndex = Int32Array.from(space.parameters, (p) => (p.condition ? (indexOf.get(p.condition.parameter) ?? -1) : -1));
    this.activatingChoices = space.parameters.map((p) => {
      if (!p.condition) return undefined;
      const parent = space.parameters[indexOf.get(p.condition.parameter) ?? -1];
      const values = p.condition.values;
      return new Set(parent?.kind === 'categorical' ? parent.choices.flatMap((c, i) => (values.includes(c) ? [i] : [])) : []);
    });
    this.decodedChoices = new Int32Array(this.rawDimension);
  }

  /**
   * The features of the assignment a raw point decodes to, without building it: the same
   * as `encode(decode(raw))` up to rounding, for scoring many points cheaply.
   */
  encodeRaw(raw: ArrayLike<number>, out: Float64Array): Float64Array {
    out.fill(0);
    const decoded = this.decodedChoices;
    for (const coding of this.codings) {
      const index = coding.index;
      const parent = this.parentIndex[index] as number;
      const active = parent < 0 || (this.activatingChoices[index] as ReadonlySet<number>).has(decoded[parent] as number);
      if (!active) {
        decoded[index] = -2;
        if (coding.kind === 'range' || coding.kind === 'ordinal') out[coding.feature] = INACTIVE_VALUE;
        continue;
      }
      const u = raw[index] as number;
      if (coding.kind === 'fixed') {
        decoded[index] = coding.parameter.kind === 'categorical' ? 0 : -1;
      } else if (coding.kind === 'range') {
        decoded[index] = -1;
        const p = coding.parameter;
        out[coding.feature] = p.kind === 'float' && p.step === undefined ? Math.min(1, Math.max(0, u)) : toUnit(p, fromUnit(p, u));
      } else {
        const cell = cellOf(u, coding.order.length);
        const choice = coding.order[cell] as number;
        decoded[index] = choice;
        if (coding.kind === 'onehot') out[coding.feature + choice] = 1;
        else out[coding.feature] = cell / (coding.order.length - 1);
      }
    }
    return out;
  }

  /** The assignment a raw point stands for: ranges snapped, choices by cell, inactive parameters left out. */
  decode(raw: ArrayLike<number>): Assignment {
    const assignment: Record<string, Scalar> = {};
    for (const coding of this.codings) {
      const parameter = coding.parameter;
      if (!isActive(parameter, assignment)) continue;
      const u = raw[coding.index] as number;
      if (coding.kind === 'range') assignment[parameter.name] = fromUnit(coding.parameter, u);
      else if (coding.kind === 'fixed') {
        assignment[parameter.name] = parameter.kind === 'categorical' ? (parameter.choices[0] as Scalar) : snap(parameter, parameter.low);
      } else {
        const choice = coding.order[cellOf(u, coding.order.length)] as number;
        assignment[parameter.name] = coding.parameter.choices[choice] as Scalar;
      }
    }
    return assignment;
  }

  /** The model features of an assignment. */
  encode(assignment: Assignment, out: Float64Array = new Float64Array(this.featureCount)): Float64Array {
    out.fill(0);
    for (const coding of this.codings) {
      if (coding.kind === 'fixed') continue;
      const value = assignment[coding.parameter.name];
      if (coding.kind === 'range') {
        out[coding.feature] = typeof value === 'number' ? toUnit(coding.parameter, value) : INACTIVE_VALUE;
        continue;
      }
      const choice = value === undefined ? -1 : coding.parameter.choices.indexOf(value);
      if (coding.kind === 'onehot') {
        if (choice >= 0) out[coding.feature + choice] = 1;
      } else {
        const rank = coding.order.indexOf(choice);
        out[coding.feature] = rank >= 0 ? rank / (coding.order.length - 1) : INACTIVE_VALUE;
      }
    }
    return out;
  }

  /** A raw point that decodes to the assignment (inactive coordinates at the neutral value). */
  rawOf(assignment: Assignment, out: Float64Array = new Float64Array(this.rawDimension)): Float64Array {
    for (const coding of this.codings) {
      const value = assignment[coding.parameter.name];
      let u = INACTIVE_VALUE;
      if (coding.kind === 'range' && typeof value === 'number') u = toUnit(coding.parameter, value);
      else if (coding.kind === 'onehot' || coding.kind === 'ordinal') {
        const rank = value === undefined ? -1 : coding.order.indexOf(coding.parameter.choices.indexOf(value));
        if (rank >= 0) u = (rank + 0.5) / coding.order.length;
      }
      out[coding.index] = u;
    }
    return out;
  }

  /** The range codings active in an assignment: the coordinates gradient steps may move. */
  activeRanges(assignment: Assignment): Extract<ParameterCoding, { kind: 'range' }>[] {
    return this.codings.filter((c): c is Extract<ParameterCoding, { kind: 'range' }> => c.kind === 'range' && assignment[c.parameter.name] !== undefined);
  }

  /** The choice codings active in an assignment: the coordinates local search may switch. */
  activeChoices(assignment: Assignment): Extract<ParameterCoding, { kind: 'onehot' | 'ordinal' }>[] {
    return this.codings.filter(
      (c): c is Extract<ParameterCoding, { kind: 'onehot' | 'ordinal' }> => (c.kind === 'onehot' || c.kind === 'ordinal') && assignment[c.parameter.name] !== undefined,
    );
  }
}
