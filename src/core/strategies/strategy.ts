/**
 * The strategy contract. A strategy is a pure function of the search so far: given the
 * space, the seed, every trial recorded (its history) and the state it returned last
 * time, it proposes the next batch and returns its new state. It keeps nothing in
 * memory, so a Lambda can run it and a stopped search resumes exactly.
 *
 * Call order per round: the workflow loads the history and the stored state, calls
 * `propose` once with `count` = free parallel slots, stores the returned state with the
 * proposed trials, and runs them.
 */
import type { Direction } from '../metrics/names.js';
import type { Assignment, SearchSpace } from '../space/space.js';

/** What happened to a trial, as far as a strategy needs to know. */
export type TrialOutcome = 'pending' | 'completed' | 'failed' | 'infeasible' | 'pruned';

/** One trial of the history: where it was, what became of it, and its objective value. */
export interface Observation {
  readonly number: number;
  readonly assignment: Assignment;
  readonly outcome: TrialOutcome;
  /** The objective value, present when the trial completed. */
  readonly value?: number;
}

export interface ProposeRequest<State> {
  readonly space: SearchSpace;
  readonly seed: number;
  readonly direction: Direction;
  readonly history: readonly Observation[];
  /** What the strategy returned last time; undefined on the first call. */
  readonly state: State | undefined;
  /** How many assignments to propose at most. */
  readonly count: number;
}

export interface Proposal<State> {
  readonly assignments: readonly Assignment[];
  /** JSON-serializable; stored and handed back on the next call. */
  readonly state: State;
  /** True when the strategy has nothing left to propose (e.g. the grid is done). */
  readonly exhausted: boolean;
}

export interface Strategy<State = unknown> {
  readonly name: string;
  propose(request: ProposeRequest<State>): Proposal<State>;
}
