/**
 * The strategy contract. A strategy is a pure function of the search so far: given the
 * space, the seed, every trial recorded (its history) and the state it returned last
 * time, it proposes the next batch and returns its new state. It keeps nothing in
 * memory, so a Lambda can run it and a stopped search resumes exactly.
 *
 * Call order: a workflow lane whose trial ended loads the history (trials other lanes are
 * training included, as pending) and the stored state, calls `propose` with `count` = 1,
 * stores the returned state with the proposed trial, and runs it. Returning no candidate
 * without being exhausted makes the lane wait and ask again (a rung waiting for results). Single-objective strategies read `value`; multi-objective
 * ones read `values`; multi-fidelity ones read `fidelity` and may propose a candidate
 * again at a higher fidelity (a promotion).
 */
import type { Direction } from '../metrics/names.js';
import type { Assignment, SearchSpace } from '../space/space.js';

/** What happened to a trial, as far as a strategy needs to know. */
export type TrialOutcome = 'pending' | 'completed' | 'failed' | 'infeasible' | 'pruned';

/** One trial of the history: where it was, what became of it, and its objective values. */
export interface Observation {
  readonly number: number;
  readonly assignment: Assignment;
  readonly outcome: TrialOutcome;
  /** The primary objective's value, present when the trial completed (or was pruned with one). */
  readonly value?: number;
  /** Every objective's value, in the order of the request's `directions` (multi-objective). */
  readonly values?: readonly number[];
  /** The budget (epochs) the values were measured at; absent means the full budget. */
  readonly fidelity?: number;
  /** True for observations carried over from an earlier search (warm start). */
  readonly prior?: boolean;
}

/** Something to evaluate: a point, and optionally the budget to evaluate it at. */
export interface Candidate {
  readonly assignment: Assignment;
  /** Epochs to train; absent means the assignment's own `epochs`. */
  readonly fidelity?: number;
  /** The trial this one continues at a higher fidelity (multi-fidelity promotions). */
  readonly promotes?: number;
}

export interface ProposeRequest<State> {
  readonly space: SearchSpace;
  readonly seed: number;
  /** Direction of the primary objective. */
  readonly direction: Direction;
  /** Directions of every objective (multi-objective searches); `[direction]` otherwise. */
  readonly directions?: readonly Direction[];
  readonly history: readonly Observation[];
  /** What the strategy returned last time; undefined on the first call. */
  readonly state: State | undefined;
  /** How many candidates to propose at most. */
  readonly count: number;
  /**
   * Known constraints (parameter count, FLOPs): false for an assignment that can never be
   * feasible. Strategies do not propose such points.
   */
  readonly feasible?: (assignment: Assignment) => boolean;
  /** The fidelity range (epochs) multi-fidelity strategies schedule within. */
  readonly fidelity?: { readonly min: number; readonly max: number };
}

export interface Proposal<State> {
  readonly candidates: readonly Candidate[];
  /** JSON-serializable; stored and handed back on the next call. */
  readonly state: State;
  /** True when the strategy has nothing left to propose (e.g. the grid is done). */
  readonly exhausted: boolean;
}

export interface Strategy<State = unknown> {
  readonly name: string;
  propose(request: ProposeRequest<State>): Proposal<State>;
}

/** Observations a single-objective model can learn from: completed, with a finite value. */
export function scored(history: readonly Observation[]): Observation[] {
  return history.filter((o) => o.outcome === 'completed' && o.value !== undefined && Number.isFinite(o.value));
}
