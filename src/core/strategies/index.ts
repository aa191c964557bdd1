/**
 * The strategy registry: the one place that maps a spec's `strategy` to an implementation.
 * A new strategy is one new module plus one entry here.
 */
import type { SearchSpec } from '../spec/schema.js';
import { specStrategy } from '../spec/schema.js';
import { gridStrategy } from './grid.js';
import { randomStrategy } from './random.js';
import type { Strategy } from './strategy.js';

export type { Candidate, Observation, Proposal, ProposeRequest, Strategy, TrialOutcome } from './strategy.js';
export { scored } from './strategy.js';
export { gridSize, gridStrategy, MAX_GRID_POINTS } from './grid.js';
export { randomStrategy } from './random.js';

/** The strategy a spec asks for. */
export function strategyFor(spec: SearchSpec): Strategy {
  const { name, gridPoints } = specStrategy(spec);
  switch (name) {
    case 'random':
      return randomStrategy as Strategy;
    case 'grid':
      return gridStrategy(gridPoints) as Strategy;
  }
}
