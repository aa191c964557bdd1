/**
 * NSGA-II for multi-objective search (e.g. accuracy against latency or size): a random
 * first generation, then children of binary-tournament parents (front, then crowding, from
 * `pareto.ts`) by crossover and mutation in unit space, conditions respected; each new
 * generation's parents are the best of the old parents and the completed children. The
 * state holds the generation bookkeeping.
 */
import type { Direction } from '../metrics/names.js';
import { createRng, type Rng } from '../random.js';
import type { Scalar } from '../space/catalog.js';
import { assignmentKey, isActive, sampleAssignment } from '../space/space.js';
import type { Assignment, SearchSpace } from '../space/space.js';
import { paretoFront, paretoRanking } from './pareto.js';
import type { Observation, Proposal, ProposeRequest, Strategy } from './strategy.js';
import { drawNew, isMutable, mutateChoice, polynomialMutation, sampleValue, sbxCrossover } from './variation.js';

/** Options of {@link nsga2Strategy}; every field has a default. */
export interface Nsga2Options {
  /** Children per generation and parents kept (default 20). */
  readonly populationSize?: number;
  /** Probability that a child is a crossover of two parents rather than a copy of one (default 0.9). */
  readonly crossoverProbability?: number;
  /** Per-parameter mutation probability (default 1 / the number of active parameters). */
  readonly mutationProbability?: number;
  /** Distribution index of simulated binary crossover (default 20). */
  readonly crossoverEta?: number;
  /** Distribution index of polynomial mutation (default 20). */
  readonly mutationEta?: number;
}

/**
 * Generation bookkeeping. Trials are named by their position in the history ordered by
 * trial number; proposals take the next positions in order, so generation g is the
 * positions `start + g * populationSize` up to the next generation's start.
 */
export interface Nsga2State {
  /** Position of this strategy's first proposal. */
  readonly start: number;
  /** The generation being filled. */
  readonly generation: number;
  /** Positions of the current generation's parents. */
  readonly parents: readonly number[];
  /** Positions of earlier trials still pending when their generation closed; they join the next selection once completed. */
  readonly waiting: readonly number[];
}

/** The objective vector of an observation, or undefined when it has none usable. */
function objectives(o: Observation, count: number): readonly number[] | undefined {
  if (o.outcome !== 'completed') return undefined;
  const values = o.values ?? (o.value !== undefined ? [o.value] : undefined);
  if (!values || values.length !== count || !values.every(Number.isFinite)) return undefined;
  return values;
}

/** The completed observations on the Pareto front of the history, in trial order. */
export function paretoFrontOf(history: readonly Observation[], directions: readonly Direction[]): Observation[] {
  const usable = history.filter((o) => objectives(o, directions.length) !== undefined);
  const points = usable.map((o) => objectives(o, directions.length) as readonly number[]);
  return paretoFront(points, directions)
    .map((i) => usable[i] as Observation)
    .sort((a, b) => a.number - b.number);
}

interface Settings {
  readonly populationSize: number;
  readonly crossoverProbability: number;
  readonly mutationProbability: number | undefined;
  readonly crossoverEta: number;
  readonly mutationEta: number;
}

/** The best `size` of the positions with objective values, by front then crowding. */
function select(positions: readonly number[], at: (p: number) => readonly number[] | undefined, directions: readonly Direction[], size: number): number[] {
  const usable = [...new Set(positions)].filter((p) => at(p) !== undefined).sort((a, b) => a - b);
  const order = paretoRanking(
    usable.map((p) => at(p) as readonly number[]),
    directions,
  );
  return order.slice(0, size).map((i) => usable[i] as number);
}

/** Binary tournament: of two random parents, the better ranked. */
function tournament(ranked: readonly Assignment[], rng: Rng): Assignment {
  const a = rng.int(0, ranked.length - 1);
  const b = rng.int(0, ranked.length - 1);
  return ranked[Math.min(a, b)] as Assignment;
}

/** A child of two parents: crossover, then mutation, parameter by parameter in space order. */
function offspring(space: SearchSpace, ranked: readonly Assignment[], settings: Settings, rng: Rng): Assignment {
  const first = tournament(ranked, rng);
  const second = tournament(ranked, rng);
  const cross = rng.next() < settings.crossoverProbability;
  const active = space.parameters.filter((p) => first[p.name] !== undefined && isMutable(p)).length;
  const pm = settings.mutationProbability ?? 1 / Math.max(1, active);
  const child: Record<string, Scalar> = {};
  for (const parameter of space.parameters) {
    if (!isActive(parameter, child)) continue;
    const a = first[parameter.name];
    const b = cross ? second[parameter.name] : undefined;
    let value: Scalar;
    if (a !== undefined && b !== undefined) {
      if (parameter.kind === 'categorical') value = rng.next() < 0.5 ? a : b;
      else value = rng.next() < 0.5 ? sbxCrossover(parameter, Number(a), Number(b), rng, settings.crossoverEta) : rng.next() < 0.5 ? a : b;
    } else {
      value = a ?? b ?? sampleValue(parameter, rng);
    }
    if (isMutable(parameter) && rng.next() < pm) {
      value = parameter.kind === 'categorical' ? mutateChoice(parameter, value, rng) : polynomialMutation(parameter, Number(value), rng, settings.mutationEta);
    }
    child[parameter.name] = value;
  }
  return child;
}

/** Variation attempts per child before random draws take over. */
const VARIATION_ATTEMPTS = 32;
/** Random draws tried after that before the space is considered used up. */
const RANDOM_ATTEMPTS = 64;

/** An NSGA-II strategy with the given options (see {@link Nsga2Options}). */
export function nsga2Strategy(options: Nsga2Options = {}): Strategy<Nsga2State> {
  const settings: Settings = {
    populationSize: Math.max(2, Math.floor(options.populationSize ?? 20)),
    crossoverProbability: options.crossoverProbability ?? 0.9,
    mutationProbability: options.mutationProbability,
    crossoverEta: options.crossoverEta ?? 20,
    mutationEta: options.mutationEta ?? 20,
  };
  const n = settings.populationSize;
  return {
    name: 'nsga2',
    propose({ space, seed, direction, directions, history, state, count, feasible }: ProposeRequest<Nsga2State>): Proposal<Nsga2State> {
      const dirs = directions && directions.length > 0 ? directions : [direction];
      const sorted = [...history].sort((a, b) => a.number - b.number);
      const at = (p: number) => {
        const o = sorted[p];
        return o ? objectives(o, dirs.length) : undefined;
      };
      const pending = (p: number) => p >= sorted.length || sorted[p]?.outcome === 'pending';
      let current: Nsga2State = state ?? {
        start: sorted.length,
        generation: 0,
        parents: [],
        waiting: sorted.flatMap((o, p) => (o.outcome === 'pending' || objectives(o, dirs.length) ? [p] : [])),
      };
      let ranked: Assignment[] | undefined;
      const seen = new Set(history.map((o) => assignmentKey(o.assignment)));
      const candidates: Assignment[] = [];
      let exhausted = false;
      for (let i = 0; i < count; i++) {
        const position = sorted.length + i;
        const generation = Math.floor((position - current.start) / n);
        while (current.generation < generation) {
          // Close the current generation: its children and earlier stragglers compete with the parents.
          const g = current.generation;
          const members = Array.from({ length: n }, (_, j) => current.start + g * n + j);
          const pool = [...current.parents, ...members, ...current.waiting];
          current = {
            start: current.start,
            generation: g + 1,
            parents: select(pool, at, dirs, n),
            waiting: [...new Set(pool.filter(pending))].sort((a, b) => a - b),
          };
          ranked = undefined;
        }
        if (!ranked) {
          // Positions that no longer hold a scored trial (a history edited under us) are skipped.
          const parents = current.parents.filter((p) => at(p) !== undefined);
          ranked = paretoRanking(
            parents.map((p) => at(p) as readonly number[]),
            dirs,
          ).map((j) => (sorted[parents[j] as number] as Observation).assignment);
        }
        const parents = ranked;
        const drawn = drawNew(
          (attempt) => {
            const rng = createRng(seed, 'nsga2', position, attempt);
            return parents.length > 0 && attempt < VARIATION_ATTEMPTS ? offspring(space, parents, settings, rng) : sampleAssignment(space, rng);
          },
          (parents.length > 0 ? VARIATION_ATTEMPTS : 0) + RANDOM_ATTEMPTS,
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
      return { candidates: candidates.map((assignment) => ({ assignment })), state: current, exhausted };
    },
  };
}
