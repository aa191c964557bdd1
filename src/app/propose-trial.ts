/**
 * ProposeTrial: the next step of one workflow lane. An execution runs `maxParallel` lanes
 * at once; each loops "propose a trial, train it" and proposes again as soon as its own
 * trial ends, so no lane waits for a slower one. A step is, in order: the lane's own trial
 * again (a redelivered task), a trial an earlier execution left unfinished, a stop (budget
 * spent, failures, a nearly full event history), a fresh proposal, or a wait while the
 * strategy needs pending trials to finish (a multi-fidelity rung).
 *
 * Lanes propose concurrently. A proposal is written with one conditional update of the
 * search (its trial count, the strategy's state and the proposed trials), so one of two
 * racing lanes wins and the other proposes again from the winner's state. Candidates
 * whose size breaks a known constraint are recorded as infeasible at once and never
 * trained; the budget counts only trials that are run.
 */
import { z } from 'zod';
import { TransientError } from '../core/errors.js';
import { COMMON_PARAMETERS } from '../core/space/catalog.js';
import { computeTargetFor, specStrategy, type SearchSpec } from '../core/spec/schema.js';
import { strategyFor, type Observation } from '../core/strategies/index.js';
import type { Assignment } from '../core/space/space.js';
import type { SearchRecord, TrialLane, TrialRecord } from '../ports/records.js';
import { contextOf, costOf, staticViolation } from './context.js';
import { recordProgressOf } from './progress.js';
import { requireSearch, SearchRef, type TrialRef } from './refs.js';
import { searchStop, shouldRollOver } from './search-stop.js';
import { nowIso, type Services } from './services.js';

/** A trial to run, and where it trains in the cloud. */
export type TrialItem = TrialRef & { readonly compute: 'lambda' | 'gpu' };

/** A lane's state between steps: which search, which execution and lane, how often it waited. */
export const LaneInput = SearchRef.extend({
  run: z.int().min(1),
  lane: z.int().min(0),
  polls: z.int().min(0).default(0),
});
export interface LaneInput {
  readonly searchId: string;
  readonly run: number;
  readonly lane: number;
  readonly polls?: number;
}

export interface LaneStep {
  readonly searchId: string;
  readonly run: number;
  readonly lane: number;
  /** Waits this lane has made, for the event-history estimate. */
  readonly polls: number;
  /** `run`: train `trial`; `wait`: propose again after `waitSeconds`; `stop`: the lane ends. */
  readonly action: 'run' | 'wait' | 'stop';
  readonly trial?: TrialItem;
  readonly waitSeconds?: number;
  readonly reason?: string;
}

/** Proposals allowed to come back entirely infeasible before giving up. */
const MAX_INFEASIBLE_PROPOSALS = 50;

/** Races lost in a row before the step is left to the workflow's Retry. */
const MAX_RACES = 25;

/** The item a lane trains. */
function itemOf(trial: TrialRecord): TrialItem {
  return { searchId: trial.searchId, number: trial.number, compute: trial.compute ?? 'lambda' };
}

const unfinished = (t: TrialRecord) => t.status === 'proposed' || t.status === 'running';

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
      if (unfinished(trial)) continue;
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

/**
 * How long a lane waits before asking again: a fifth of a typical trial's duration, so a
 * lane polls a handful of times per trial it waits for, between 1 s and a minute.
 */
export function waitSecondsFor(trials: readonly TrialRecord[]): number {
  const durations = trials.flatMap((t) => (t.status === 'completed' && t.durationMs !== undefined ? [t.durationMs] : [])).sort((a, b) => a - b);
  if (durations.length === 0) return 5;
  const median = durations[Math.floor(durations.length / 2)] as number;
  return Math.min(60, Math.max(1, Math.ceil(median / 5000)));
}

const sameLane = (a: TrialLane | undefined, b: TrialLane) => a !== undefined && a.run === b.run && a.lane === b.lane;

export async function proposeTrial(services: Services, raw: LaneInput): Promise<LaneStep> {
  const input = LaneInput.parse(raw);
  const lane: TrialLane = { run: input.run, lane: input.lane };
  const step = (action: LaneStep['action'], extra: Partial<LaneStep> = {}): LaneStep => ({
    searchId: input.searchId,
    ...lane,
    polls: input.polls,
    action,
    ...extra,
  });
  for (let race = 0; race < MAX_RACES; race++) {
    const [search, listed] = await Promise.all([requireSearch(services, input.searchId), services.metadata.listTrials(input.searchId)]);
    const trials = await withLastProposal(services, search, listed);
    if (search.status !== 'running') return step('stop', { reason: `the search is ${search.status}` });

    // This lane's own trial: the step was delivered again after it proposed.
    const own = trials.find((t) => unfinished(t) && sameLane(t.heldBy, lane));
    if (own) return step('run', { trial: itemOf(own) });
    // A trial an earlier execution left unfinished (a killed run, or a lane that handed over).
    const orphan = trials.find((t) => unfinished(t) && (t.heldBy === undefined || t.heldBy.run < lane.run));
    if (orphan) {
      if (await services.metadata.assignTrial(input.searchId, orphan.number, lane, orphan.heldBy)) return step('run', { trial: itemOf(orphan) });
      continue;
    }

    await recordProgressOf(services, search, trials);
    const stop = searchStop(search, trials, services.clock());
    if (stop) return step('stop', { reason: stop });
    const lanes = search.spec.budget.maxParallel;
    if (shouldRollOver(trials.filter((t) => t.heldBy?.run === lane.run).length, lanes, input.polls)) {
      return step('stop', { reason: 'the execution history is nearly full; the search continues in a fresh execution' });
    }

    const proposal = await propose(services, search, trials, lane);
    if (proposal === 'lost') continue;
    if (proposal.trial) return step('run', { trial: itemOf(proposal.trial) });
    if (proposal.stop) return step('stop', { reason: proposal.stop });
    return step('wait', { polls: input.polls + 1, waitSeconds: waitSecondsFor(trials) });
  }
  throw new TransientError(`lane ${lane.lane} of search ${input.searchId} lost ${MAX_RACES} proposal races in a row`);
}

/**
 * The trial records, completed by the search's latest proposal: trials a proposer wrote
 * into the search but not (yet) as records are written now.
 */
async function withLastProposal(services: Services, search: SearchRecord, trials: TrialRecord[]): Promise<TrialRecord[]> {
  const known = new Set(trials.map((t) => t.number));
  const missing = (search.lastProposal ?? []).filter((t) => !known.has(t.number));
  if (missing.length === 0) return trials;
  await services.metadata.putTrials(missing);
  return services.metadata.listTrials(search.searchId);
}

type Proposed = { readonly trial?: TrialRecord; readonly stop?: string };

/**
 * Ask the strategy for one trial and record it. Returns `lost` when another lane's
 * proposal came first; no trial and no stop means the strategy waits for pending trials.
 */
async function propose(services: Services, search: SearchRecord, trials: readonly TrialRecord[], lane: TrialLane): Promise<Proposed | 'lost'> {
  const { searchId } = search;
  const context = await contextOf(services, searchId, search.spec, search.dataset.uri);
  const strategy = strategyFor(search.spec, context.space);
  const history = [...(await priorObservations(services, search)), ...trials.map((t) => observationOf(t))];
  const objectives = search.objectives ?? [search.objective];
  const reductionFactor = specStrategy(search.spec).reductionFactor;
  const at = nowIso(services);
  const rejected: TrialRecord[] = [];
  let proposed: TrialRecord | undefined;
  let state = search.strategyState;
  let exhausted = false;
  let nextNumber = search.trialCount;
  for (let attempt = 0; attempt < MAX_INFEASIBLE_PROPOSALS && !proposed && !exhausted; attempt++) {
    const proposal = strategy.propose({
      space: context.space,
      seed: search.spec.seed,
      direction: search.objective.direction,
      directions: objectives.map((o) => o.direction),
      history,
      state,
      count: 1,
      feasible: (assignment) => staticViolation(search.spec, costOf(context, assignment).cost) === null,
      fidelity: fidelityRange(search.spec, typeof reductionFactor === 'number' ? reductionFactor : 3),
    });
    state = proposal.state;
    exhausted = proposal.exhausted;
    // Strategies return at most `count` candidates: one, here.
    for (const { assignment, fidelity, promotes } of proposal.candidates.slice(0, 1)) {
      const trial: TrialRecord = {
        ...newTrial(searchId, nextNumber++, assignment, at),
        ...(fidelity === undefined ? {} : { fidelity }),
        ...(promotes === undefined ? {} : { promotes }),
      };
      const { cost } = costOf(context, assignment);
      const violation = staticViolation(search.spec, cost);
      const record: TrialRecord = violation
        ? { ...trial, status: 'infeasible', reason: violation, cost, finishedAt: at }
        : { ...trial, cost, compute: computeTargetFor(search.spec, cost), heldBy: lane };
      if (violation) rejected.push(record);
      else proposed = record;
      history.push(observationOf(record));
    }
    if (proposal.candidates.length === 0) break;
  }
  const written = [...rejected, ...(proposed ? [proposed] : [])].sort((a, b) => a.number - b.number);
  const pending = trials.some(unfinished);
  const stop = proposed || pending ? undefined : exhausted ? 'the strategy has no untried candidates left' : 'no feasible candidate was found';
  const won = await services.metadata.advanceSearch(searchId, search.trialCount, {
    trialCount: nextNumber,
    strategyState: state ?? null,
    exhausted,
    lastProposal: written,
    ...(stop ? { stopReason: stop } : {}),
    updatedAt: at,
  });
  if (!won) return 'lost';
  await services.metadata.putTrials(written);
  for (const trial of rejected) {
    await services.events.publish({ type: 'TrialInfeasible', searchId, time: at, detail: { trial: trial.number, reason: trial.reason ?? '' } });
  }
  return { ...(proposed ? { trial: proposed } : {}), ...(stop ? { stop } : {}) };
}

function newTrial(searchId: string, number: number, assignment: Assignment, at: string): TrialRecord {
  return { searchId, number, assignment, status: 'proposed', attempts: 0, proposedAt: at };
}
