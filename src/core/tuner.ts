/**
 * The ask/tell tuner: any modelsmith strategy, driven from a plain script to optimize any
 * function — no training, no store. Ask for assignments, evaluate them however you like,
 * tell the values back. The tuner's snapshot is plain JSON, so a script can stop and
 * continue later exactly where it was.
 *
 * ```ts
 * const tuner = createTuner({ space: { x: { min: -5, max: 10 }, y: { min: 0, max: 15 } }, strategy: 'bayesian', direction: 'minimize' });
 * for (let i = 0; i < 50; i++) {
 *   const [trial] = tuner.ask();
 *   tuner.tell(trial.id, branin(trial.params.x, trial.params.y));
 * }
 * console.log(tuner.best());
 * ```
 */
import type { Direction } from './metrics/names.js';
import { defineSpace, type ParameterDefinition } from './space/define.js';
import type { Assignment, SearchSpace } from './space/space.js';
import { createStrategy, type Observation, type Strategy, type StrategyConfig } from './strategies/index.js';

export interface TunerOptions {
  /** A compiled space, or a record of parameter domains (see `defineSpace`). */
  readonly space: SearchSpace | Readonly<Record<string, ParameterDefinition>>;
  /** A registered strategy's name, its configuration, or a strategy object. */
  readonly strategy?: string | StrategyConfig | Strategy;
  /** Direction of the (first) objective; `directions` for several objectives. */
  readonly direction?: Direction;
  readonly directions?: readonly Direction[];
  readonly seed?: number;
  /** Known constraints: assignments for which this is false are never asked. */
  readonly feasible?: (assignment: Assignment) => boolean;
  /** Fidelity range for multi-fidelity strategies (e.g. epochs). */
  readonly fidelity?: { readonly min: number; readonly max: number };
}

/** An assignment to evaluate. */
export interface AskedTrial {
  readonly id: number;
  readonly params: Assignment;
  /** The budget to evaluate at (multi-fidelity strategies). */
  readonly fidelity?: number;
  /** The earlier trial whose configuration this one evaluates again at a higher fidelity. */
  readonly promotes?: number;
}

/** What to tell about a trial: its value(s), or that it failed or was infeasible. */
export type TellResult = number | readonly number[] | { readonly failed: true } | { readonly infeasible: true };

/** Everything needed to continue a tuner later. */
export interface TunerSnapshot {
  readonly history: readonly Observation[];
  readonly state: unknown;
}

function isStrategy(value: unknown): value is Strategy {
  return typeof value === 'object' && value !== null && typeof (value as Strategy).propose === 'function';
}

export class Tuner {
  readonly space: SearchSpace;
  private readonly strategy: Strategy;
  private readonly history: Observation[];
  private state: unknown;

  constructor(
    private readonly options: TunerOptions,
    snapshot?: TunerSnapshot,
  ) {
    this.space = 'parameters' in options.space ? (options.space as SearchSpace) : defineSpace(options.space as Record<string, ParameterDefinition>);
    const strategy = options.strategy ?? 'random';
    this.strategy = isStrategy(strategy) ? strategy : createStrategy(typeof strategy === 'string' ? { name: strategy } : strategy);
    this.history = snapshot ? snapshot.history.map((o) => ({ ...o })) : [];
    this.state = snapshot?.state;
  }

  private get directions(): readonly Direction[] {
    return this.options.directions ?? [this.options.direction ?? 'minimize'];
  }

  /** Propose up to `count` trials; they stay pending until told. */
  ask(count = 1): AskedTrial[] {
    const proposal = this.strategy.propose({
      space: this.space,
      seed: this.options.seed ?? 0,
      direction: this.directions[0] as Direction,
      directions: this.directions,
      history: this.history,
      state: this.state,
      count,
      ...(this.options.feasible ? { feasible: this.options.feasible } : {}),
      ...(this.options.fidelity ? { fidelity: this.options.fidelity } : {}),
    });
    this.state = proposal.state;
    return proposal.candidates.map((candidate) => {
      const id = this.history.length;
      this.history.push({
        number: id,
        assignment: candidate.assignment,
        outcome: 'pending',
        ...(candidate.fidelity !== undefined ? { fidelity: candidate.fidelity } : {}),
      });
      return {
        id,
        params: candidate.assignment,
        ...(candidate.fidelity !== undefined ? { fidelity: candidate.fidelity } : {}),
        ...(candidate.promotes !== undefined ? { promotes: candidate.promotes } : {}),
      };
    });
  }

  /** Report a trial's outcome. */
  tell(id: number, result: TellResult): void {
    const trial = this.history[id];
    if (!trial) throw new RangeError(`no trial ${id} was asked`);
    if (trial.outcome !== 'pending') throw new RangeError(`trial ${id} was already told`);
    let told: Observation;
    if (typeof result === 'number' || Array.isArray(result)) {
      const values = typeof result === 'number' ? [result] : (result as readonly number[]);
      if (values.length !== this.directions.length) throw new RangeError(`trial ${id}: expected ${this.directions.length} value(s), got ${values.length}`);
      const finite = values.every(Number.isFinite);
      told = finite
        ? { ...trial, outcome: 'completed', value: values[0] as number, values }
        : { ...trial, outcome: 'failed' };
    } else {
      told = { ...trial, outcome: 'failed' in result ? 'failed' : 'infeasible' };
    }
    this.history[id] = told;
  }

  /** The best completed trial on the first objective. */
  best(): { id: number; params: Assignment; value: number } | undefined {
    const sign = this.directions[0] === 'maximize' ? 1 : -1;
    let best: Observation | undefined;
    for (const o of this.history) {
      if (o.outcome !== 'completed' || o.value === undefined) continue;
      if (!best || sign * (o.value - (best.value as number)) > 0) best = o;
    }
    return best ? { id: best.number, params: best.assignment, value: best.value as number } : undefined;
  }

  /** Every trial so far, in order. */
  trials(): readonly Observation[] {
    return this.history;
  }

  /** Plain JSON to continue from later with `new Tuner(options, snapshot)`. */
  snapshot(): TunerSnapshot {
    return JSON.parse(JSON.stringify({ history: this.history, state: this.state ?? null })) as TunerSnapshot;
  }
}

/** Create a tuner (see the module comment for an example). */
export function createTuner(options: TunerOptions, snapshot?: TunerSnapshot): Tuner {
  return new Tuner(options, snapshot);
}
