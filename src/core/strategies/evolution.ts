/**
 * Regularized (aging) evolution for architecture search: the population is the most
 * recent completed trials, so the oldest die whatever their score; each child mutates one
 * (or a few) active parameters of a tournament winner, drawing a new branch afresh when a
 * parent choice such as the family changes. Random draws fill the first population.
 */
import type { Direction } from '../metrics/names.js';
import { createRng, type Rng } from '../random.js';
import type { Scalar } from '../space/catalog.js';
import { assignmentKey, isActive, sampleAssignment } from '../space/space.js';
import type { Assignment, SearchSpace } from '../space/space.js';
import type { Observation, Proposal, ProposeRequest, Strategy } from './strategy.js';
import { drawNew, gaussianMutation, isMutable, mutateChoice, repairAssignment } from './variation.js';

/** Options of {@link evolutionStrategy}; every field has a default. */
export interface EvolutionOptions {
  /** Completed trials that form the population, newest first (default 20). */
  readonly populationSize?: number;
  /** Members drawn for each tournament (default 5). */
  readonly tournamentSize?: number;
  /** Parameters changed per child (default 1). */
  readonly mutations?: number;
  /** Standard deviation of a numeric mutation in unit space, log-aware (default 0.1). */
  readonly mutationScale?: number;
}

/** The evolution state: how many proposals were made (informational; the history suffices). */
export interface EvolutionState {
  readonly proposed: number;
}

/** Completed trials with a finite value. */
function completed(history: readonly Observation[]): Observation[] {
  return history.filter((o) => o.outcome === 'completed' && o.value !== undefined && Number.isFinite(o.value));
}

/** The population: the `size` most recent completed trials (by trial number), oldest first. */
export function evolutionPopulation(history: readonly Observation[], size: number): Observation[] {
  return completed(history)
    .sort((a, b) => a.number - b.number)
    .slice(-Math.max(1, size));
}

/** The winner of a tournament among `size` distinct members drawn at random. */
function tournament(population: readonly Observation[], size: number, direction: Direction, rng: Rng): Observation {
  const pool = rng.shuffle([...population]).slice(0, Math.max(1, Math.min(size, population.length)));
  const sign = direction === 'minimize' ? -1 : 1;
  return pool.reduce((best, o) => (sign * ((o.value as number) - (best.value as number)) > 0 ? o : best));
}

/** A child of `parent` with `count` of its active, mutable parameters changed. */
export function mutateAssignment(space: SearchSpace, parent: Assignment, count: number, rng: Rng, scale = 0.1): Assignment {
  let child: Assignment = parent;
  for (let m = 0; m < count; m++) {
    const candidates = space.parameters.filter((p) => isActive(p, child) && child[p.name] !== undefined && isMutable(p));
    if (candidates.length === 0) break;
    const parameter = rng.pick(candidates);
    const value = child[parameter.name] as Scalar;
    const next = parameter.kind === 'categorical' ? mutateChoice(parameter, value, rng) : gaussianMutation(parameter, Number(value), rng, scale);
    child = repairAssignment(space, { ...child, [parameter.name]: next }, rng);
  }
  return child;
}

/** Mutation attempts per child before more parameters are changed at once. */
const ATTEMPTS_PER_LEVEL = 8;
/** Random draws tried after mutation fails to find a new, feasible point. */
const RANDOM_ATTEMPTS = 64;

/** A regularized evolution strategy with the given options (see {@link EvolutionOptions}). */
export function evolutionStrategy(options: EvolutionOptions = {}): Strategy<EvolutionState> {
  const populationSize = Math.max(2, Math.floor(options.populationSize ?? 20));
  const tournamentSize = Math.max(1, Math.floor(options.tournamentSize ?? 5));
  const mutations = Math.max(1, Math.floor(options.mutations ?? 1));
  const scale = options.mutationScale ?? 0.1;
  return {
    name: 'evolution',
    propose({ space, seed, direction, history, state, count, feasible }: ProposeRequest<EvolutionState>): Proposal<EvolutionState> {
      const population = evolutionPopulation(history, populationSize);
      // Trials that will join the population: completed ones and those still running.
      const started = history.filter((o) => o.outcome === 'pending' || (o.outcome === 'completed' && o.value !== undefined && Number.isFinite(o.value))).length;
      const seen = new Set(history.map((o) => assignmentKey(o.assignment)));
      const candidates: Assignment[] = [];
      let exhausted = false;
      for (let i = 0; i < count; i++) {
        const number = history.length + i;
        const evolve = started + i >= populationSize && population.length > 0;
        const levels = evolve ? 3 : 0;
        const drawn = drawNew(
          (attempt) => {
            const rng = createRng(seed, 'evolution', number, attempt);
            if (attempt >= levels * ATTEMPTS_PER_LEVEL) return sampleAssignment(space, rng);
            const parent = tournament(population, tournamentSize, direction, rng);
            const level = Math.floor(attempt / ATTEMPTS_PER_LEVEL);
            return mutateAssignment(space, parent.assignment, mutations + level, rng, scale);
          },
          levels * ATTEMPTS_PER_LEVEL + RANDOM_ATTEMPTS,
          seen,
          feasible,
        );
        if (!drawn) {
          exhausted = true;
          break;
        }
        seen.add(assignmentKey(drawn));
        candidates.push(drawn);
      }
      return {
        candidates: candidates.map((assignment) => ({ assignment })),
        state: { proposed: (state?.proposed ?? 0) + candidates.length },
        exhausted,
      };
    },
  };
}
