/**
 * modelsmith's public library surface: the ask/tell tuner and space definitions for
 * optimizing any function, the spec parser, and the local search engine.
 */
export { createTuner, Tuner, type AskedTrial, type TellResult, type TunerOptions, type TunerSnapshot } from './core/tuner.js';
export { defineSpace, type ParameterDefinition } from './core/space/define.js';
export type { Assignment, SearchSpace } from './core/space/space.js';
export { STRATEGY_NAMES, createStrategy, type Strategy, type StrategyConfig, type Observation, type Candidate } from './core/strategies/index.js';
export { parseSpec, parseSpecText } from './core/spec/parse.js';
export type { SearchSpec } from './core/spec/schema.js';
export { runLocalSearch, resumeLocalSearch, type LocalSearchOptions, type LocalSearchResult } from './runtime/local/engine.js';
export * from './core/errors.js';
