/**
 * The strategy registry: the one place that maps a strategy's name (from a spec or the
 * ask/tell tuner) to its implementation. A new strategy is one new module plus one entry
 * in {@link STRATEGY_FACTORIES}.
 */
import type { SearchSpace } from '../space/space.js';
import type { SearchSpec } from '../spec/schema.js';
import { specObjectives, specStrategy } from '../spec/schema.js';
import { ashaStrategy } from './asha.js';
import { bayesianStrategy } from './bayesian/index.js';
import { evolutionStrategy } from './evolution.js';
import { nsga2Strategy } from './nsga2.js';
import { tpeStrategy } from './tpe.js';
import { modelBasedSampler } from './model-based-sampler.js';
import { gridStrategy } from './grid.js';
import { hyperbandStrategy, type HyperbandOptions, type MultiFidelityOptions } from './hyperband.js';
import { randomStrategy } from './random.js';
import type { Strategy } from './strategy.js';

export type { Candidate, Observation, Proposal, ProposeRequest, Strategy, TrialOutcome } from './strategy.js';
export { scored } from './strategy.js';
export { gridSize, gridStrategy, MAX_GRID_POINTS } from './grid.js';
export { randomStrategy } from './random.js';
export { paretoFrontOf } from './nsga2.js';

/** A strategy's name and its options, as a spec or a tuner gives them. */
export interface StrategyConfig {
  readonly name: string;
  readonly [option: string]: unknown;
}

/** A numeric (or boolean) option, or undefined for the strategy's default; `alias` is the spec's name for it. */
const num = (config: StrategyConfig, key: string, alias?: string): number | undefined => {
  const value = config[key] ?? (alias ? config[alias] : undefined);
  return typeof value === 'number' ? value : undefined;
};
const bool = (config: StrategyConfig, key: string): boolean | undefined => (typeof config[key] === 'boolean' ? (config[key] as boolean) : undefined);

/** Multi-fidelity options with the named configuration sampler built. */
function withSampler(config: StrategyConfig): object {
  const { sampler, ...rest } = config;
  if (sampler === undefined || sampler === 'random') return rest;
  if (sampler === 'tpe') return { ...rest, sampler: modelBasedSampler() };
  throw new RangeError(`unknown sampler ${String(sampler)}; expected random or tpe`);
}

/** Builds each registered strategy from its options. */
export const STRATEGY_FACTORIES: Readonly<Record<string, (config: StrategyConfig) => Strategy>> = {
  random: () => randomStrategy as Strategy,
  grid: (config) => gridStrategy(typeof config.gridPoints === 'number' ? config.gridPoints : 3) as Strategy,
  // Options: reductionFactor, minEpochs, maxEpochs, loop (validated by the strategy).
  // `sampler: 'tpe'` draws new configurations BOHB-style instead of uniformly.
  hyperband: (config) => hyperbandStrategy(withSampler(config) as HyperbandOptions) as Strategy,
  asha: (config) => ashaStrategy(withSampler(config) as MultiFidelityOptions) as Strategy,
  bayesian: (config) =>
    bayesianStrategy({ initialTrials: num(config, 'initialTrials'), candidates: num(config, 'candidates'), restarts: num(config, 'restarts') }) as Strategy,
  tpe: (config) =>
    tpeStrategy({
      startupTrials: num(config, 'startupTrials'),
      candidates: num(config, 'candidates'),
      multivariate: bool(config, 'multivariate'),
      priorWeight: num(config, 'priorWeight'),
      constantLiar: bool(config, 'constantLiar'),
    }) as Strategy,
  evolution: (config) =>
    evolutionStrategy({
      populationSize: num(config, 'populationSize', 'population'),
      tournamentSize: num(config, 'tournamentSize', 'tournament'),
      mutations: num(config, 'mutations'),
      mutationScale: num(config, 'mutationScale'),
    }) as Strategy,
  nsga2: (config) =>
    nsga2Strategy({
      populationSize: num(config, 'populationSize', 'population'),
      crossoverProbability: num(config, 'crossoverProbability'),
      mutationProbability: num(config, 'mutationProbability'),
      crossoverEta: num(config, 'crossoverEta'),
      mutationEta: num(config, 'mutationEta'),
    }) as Strategy,
};

/** The names strategies are registered under. */
export const STRATEGY_NAMES: readonly string[] = Object.keys(STRATEGY_FACTORIES);

/** The strategy a configuration names. */
export function createStrategy(config: StrategyConfig): Strategy {
  const factory = STRATEGY_FACTORIES[config.name];
  if (!factory) throw new RangeError(`unknown strategy ${config.name}; expected one of ${STRATEGY_NAMES.join(', ')}`);
  return factory(config);
}

/** The strategy a spec asks for; `auto` is resolved for the spec's space. */
export function strategyFor(spec: SearchSpec, space: SearchSpace): Strategy {
  const config = specStrategy(spec);
  return createStrategy(config.name === 'auto' ? { name: autoStrategyName(spec, space) } : config);
}

/**
 * What `auto` means for a space: several objectives get NSGA-II; otherwise a Gaussian
 * process suits small spaces and budgets, and TPE large or deeply conditional ones.
 */
export function autoStrategyName(spec: SearchSpec, space: SearchSpace): string {
  if (specObjectives(spec).length > 1) return STRATEGY_FACTORIES.nsga2 ? 'nsga2' : 'random';
  const model = space.parameters.length <= 16 && spec.budget.maxTrials <= 500 ? 'bayesian' : 'tpe';
  return STRATEGY_FACTORIES[model] ? model : 'random';
}
