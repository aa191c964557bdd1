/**
 * ProposeTrials: one round's batch. Trials left unfinished by a killed run come first;
 * otherwise the strategy proposes from the recorded history and its stored state.
 * Candidates whose size breaks a known constraint are recorded as infeasible at once and
 * never trained; the budget counts only trials that are run.
 */
import { COMMON_PARAMETERS } from '../core/space/catalog.js';
import { computeTargetFor, specStrategy, type SearchSpec } from '../core/spec/schema.js';
import { strategyFor, type Observation } from '../core/strategies/index.js';
import type { Assignment } from '../core/space/space.js';
import type { SearchRecord, TrialRecord } from '../ports/records.js';
import { contextOf, costOf, staticViolation } from './context.js';
import { requireSearch, SearchRef, type TrialRef } from './refs.js';
import { nowIso, type Services } from './services.js';

/** A trial to run, and where it trains in the cloud. */
export type TrialItem = TrialRef & { readonly compute: 'lambda' | 'gpu' };

export interface ProposeOutput {
  readonly searchId: string;
  readonly trials: readonly TrialItem[];
  /** True when there is nothing more to run: budget spent, time up, or space exhausted. */
  readonly done: boolean;
  readonly reason?: string;
}

/** Proposal rounds allowed to come back entirely infeasible before giving up on a round. */
const MAX_INFEASIBLE_ROUNDS = 50;

/** Trials the budget counts: every trial that was (or is being) run. */
export function countedTrials(trials: readonly TrialRecord[]): number {
  return trials.filter((t) => !(t.status === 'infeasible' && t.startedAt === undefined)).length;
}

/** Why the search should stop proposing, or null to go on. */
export function budgetStop(
  search: Pick<SearchRecord, 'spec' | 'createdAt' | 'exhausted'>,
  trials: readonly TrialRecord[],
  now: Date,
): string | null {
  const { maxTrials, maxMinutes } = search.spec.budget;
  if (countedTrials(trials) >= maxTrials) return `reached budget.maxTrials (${maxTrials})`;
  if (maxMinutes !== undefined && now.getTime() - Date.parse(search.createdAt) >= maxMinutes * 60_000) {
    return `reached budget.maxMinutes (${maxMinutes})`;
  }
  const { maxCostUsd } = search.spec.budget;
  const spent = totalCost(trials);
  if (maxCostUsd !== undefined && spent >= maxCostUsd) {
    return `reached budget.maxCostUsd (estimated $${spent.toFixed(4)} of $${maxCostUsd})`;
  }
  if (search.exhausted) return 'the strategy has no untried candidates left';
  return null;
}

/** Estimated cloud cost of every trial run so far. */
export function totalCost(trials: readonly TrialRecord[]): number {
  return trials.reduce((sum, t) => sum + (t.costUsd ?? 0), 0);
}

/** The item a Map iteration receives for a trial. */
function itemOf(trial: TrialRecord): TrialItem {
  return { searchId: trial.searchId, number: trial.number, compute: trial.compute ?? 'lambda' };
}

/** The strategy's view of a trial. */
export function observationOf(trial: TrialRecord, prior = false): Observation {
  const outcome = trial.status === 'proposed' || trial.status === 'running' ? 'pending' : trial.status;
  return {
    number: trial.number,
    assignment: trial.assignment,
    outcome,
    ...(trial.value === undefined ? {} : { value: trial.value }),
    ...(trial.values === undefined ? {} : { values: trial.values }),
    ...(trial.fidelity === undefined ? {} : { fidelity: trial.fidelity }),
    ...(prior ? { prior } : {}),
  };
}

/**
 * Observations carried over from earlier searches over the same space (warm start).
 * They are numbered below zero so they never collide with this search's trials.
 */
export async function priorObservations(services: Services, search: SearchRecord): Promise<Observation[]> {
  const from = search.spec.warmStart?.from ?? [];
  const priors: Observation[] = [];
  for (const earlier of from) {
    for (const trial of await services.metadata.listTrials(earlier)) {
      if (trial.status === 'proposed' || trial.status === 'running') continue;
      priors.push({ ...observationOf(trial, true), number: -(priors.length + 1) });
    }
  }
  return priors;
}

/** The epochs range multi-fidelity strategies schedule within: up to the space's epochs. */
export function fidelityRange(spec: SearchSpec, reductionFactor = 3): { min: number; max: number } {
  const epochs = spec.space.epochs;
  const max = typeof epochs === 'number' ? epochs : (COMMON_PARAMETERS.epochs.fallback as number);
  const options = specStrategy(spec);
  const min = typeof options.minEpochs === 'number' ? options.minEpochs : Math.max(1, Math.floor(max / reductionFactor ** 3));
  return { min: Math.min(min, max), max };
}

export async function proposeTrials(services: Services, raw: SearchRef): Promise<ProposeOutput> {
  const { searchId } = SearchRef.parse(raw);
  const search = await requireSearch(services, searchId);
  const trials = await services.metadata.listTrials(searchId);
  const unfinished = trials.filter((t) => t.status === 'proposed' || t.status === 'running');
  if (unfinished.length > 0) {
    return { searchId, trials: unfinished.map(itemOf), done: false };
  }
  const stop = budgetStop(search, trials, services.clock());
  if (stop) {
    await services.metadata.updateSearch(searchId, { stopReason: stop });
    return { searchId, trials: [], done: true, reason: stop };
  }

  const context = await contextOf(services, searchId, search.spec, search.dataset.uri);
  const strategy = strategyFor(search.spec, context.space);
  const wanted = Math.min(search.spec.budget.maxParallel, search.spec.budget.maxTrials - countedTrials(trials));
  const history = [...(await priorObservations(services, search)), ...trials.map((t) => observationOf(t))];
  const objectives = search.objectives ?? [search.objective];
  const reductionFactor = specStrategy(search.spec).reductionFactor;
  const at = nowIso(services);
  const proposed: TrialRecord[] = [];
  const rejected: TrialRecord[] = [];
  let state = search.strategyState;
  let exhausted = false;
  let nextNumber = search.trialCount;
  for (let round = 0; round < MAX_INFEASIBLE_ROUNDS && proposed.length < wanted && !exhausted; round++) {
    const proposal = strategy.propose({
      space: context.space,
      seed: search.spec.seed,
      direction: search.objective.direction,
      directions: objectives.map((o) => o.direction),
      history,
      state,
      count: wanted - proposed.length,
      feasible: (assignment) => staticViolation(search.spec, costOf(context, assignment).cost) === null,
      fidelity: fidelityRange(search.spec, typeof reductionFactor === 'number' ? reductionFactor : 3),
    });
    state = proposal.state;
    exhausted = proposal.exhausted;
    for (const { assignment, fidelity, promotes } of proposal.candidates) {
      const trial: TrialRecord = {
        ...newTrial(searchId, nextNumber++, assignment, at),
        ...(fidelity === undefined ? {} : { fidelity }),
        ...(promotes === undefined ? {} : { promotes }),
      };
      const { cost } = costOf(context, assignment);
      const violation = staticViolation(search.spec, cost);
      const record: TrialRecord = violation
        ? { ...trial, status: 'infeasible', reason: violation, cost, finishedAt: at }
        : { ...trial, cost, compute: computeTargetFor(search.spec, cost) };
      (violation ? rejected : proposed).push(record);
      history.push(observationOf(record));
    }
    if (proposal.candidates.length === 0) break;
  }
  await services.metadata.putTrials([...rejected, ...proposed].sort((a, b) => a.number - b.number));
  await services.metadata.updateSearch(searchId, {
    trialCount: nextNumber,
    rounds: search.rounds + 1,
    strategyState: state ?? null,
    exhausted,
    updatedAt: at,
  });
  for (const trial of rejected) {
    await services.events.publish({
      type: 'TrialInfeasible',
      searchId,
      time: at,
      detail: { trial: trial.number, reason: trial.reason ?? '' },
    });
  }
  if (proposed.length === 0) {
    const reason = exhausted ? 'the strategy has no untried candidates left' : 'no feasible candidate was found';
    await services.metadata.updateSearch(searchId, { stopReason: reason });
    return { searchId, trials: [], done: true, reason };
  }
  return { searchId, trials: proposed.map(itemOf), done: false };
}

function newTrial(searchId: string, number: number, assignment: Assignment, at: string): TrialRecord {
  return { searchId, number, assignment, status: 'proposed', attempts: 0, proposedAt: at };
}
