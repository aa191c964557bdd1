/**
 * RecordRound: after each Map round, fold the recorded trials into the search (best so
 * far, counts) and decide whether to run another round. The trial records are the source
 * of truth; the Map's own output is not trusted, so a redelivered round changes nothing.
 */
import { z } from 'zod';
import { betterThan } from '../core/metrics/index.js';
import { paretoFront } from '../core/strategies/pareto.js';
import type { BestSoFar, TrialRecord } from '../ports/records.js';
import { budgetStop, totalCost } from './propose-trials.js';
import { requireSearch, SearchRef } from './refs.js';
import { nowIso, type Services } from './services.js';

export interface RoundOutput {
  readonly searchId: string;
  readonly continue: boolean;
  /** Continue in a fresh execution: this one's event history is nearly full. */
  readonly rollover: boolean;
  readonly reason?: string;
}

export const RecordRoundInput = SearchRef.extend({ firstRound: z.int().min(0).default(0) });

/** Step Functions keeps 25,000 events per execution; roll over well before that. */
const HISTORY_EVENTS_BUDGET = 20_000;

/**
 * Events one round adds to an execution's history: about 25 for the propose / record /
 * choice states and the Map itself, and about 12 per trial (its iteration, routing choice,
 * task and retries).
 */
export function eventsPerRound(trialsPerRound: number): number {
  return 25 + 12 * trialsPerRound;
}

/** Whether an execution that has run `rounds` rounds should hand over to a fresh one. */
export function shouldRollOver(rounds: number, trialsPerRound: number): boolean {
  return (rounds + 1) * eventsPerRound(trialsPerRound) > HISTORY_EVENTS_BUDGET;
}

/** Consecutive failed trials (with no success in between) that stop a search early. */
export const MAX_CONSECUTIVE_FAILURES = 10;

/**
 * Completed trials comparable with each other: in a multi-fidelity search only those
 * trained with the largest budget any completed trial had.
 */
export function comparableTrials(trials: readonly TrialRecord[]): TrialRecord[] {
  const completed = trials.filter((t) => t.status === 'completed' && t.value !== undefined);
  const top = Math.max(...completed.map((t) => t.fidelity ?? Infinity));
  return completed.filter((t) => (t.fidelity ?? Infinity) === top);
}

/** The best comparable trial under the primary objective's direction, or undefined. */
export function bestTrial(trials: readonly TrialRecord[], direction: 'maximize' | 'minimize'): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const trial of comparableTrials(trials)) {
    if (!best || betterThan(trial.value as number, best.value as number, direction)) best = trial;
  }
  return best;
}

/** Trial numbers on the Pareto front of a multi-objective search. */
export function paretoTrials(trials: readonly TrialRecord[], directions: readonly ('maximize' | 'minimize')[]): number[] {
  const candidates = comparableTrials(trials).filter((t) => t.values?.length === directions.length);
  return paretoFront(candidates.map((t) => t.values as number[]), directions).map((i) => (candidates[i] as TrialRecord).number);
}

function trailingFailures(trials: readonly TrialRecord[]): number {
  let count = 0;
  for (let i = trials.length - 1; i >= 0; i--) {
    const status = (trials[i] as TrialRecord).status;
    if (status === 'failed') count++;
    else if (status === 'completed') break;
  }
  return count;
}

export async function recordRound(services: Services, raw: z.input<typeof RecordRoundInput>): Promise<RoundOutput> {
  const { searchId, firstRound } = RecordRoundInput.parse(raw);
  const search = await requireSearch(services, searchId);
  const trials = await services.metadata.listTrials(searchId);
  const top = bestTrial(trials, search.objective.direction);
  const best: BestSoFar | undefined = top ? { trial: top.number, value: top.value as number, metrics: top.metrics ?? {} } : undefined;
  const objectives = search.objectives ?? [search.objective];
  const front = objectives.length > 1 ? { paretoFront: paretoTrials(trials, objectives.map((o) => o.direction)) } : {};
  await services.metadata.updateSearch(searchId, { ...(best ? { best } : {}), ...front, costUsd: totalCost(trials), updatedAt: nowIso(services) });
  const failures = trailingFailures(trials);
  const stop = failures >= MAX_CONSECUTIVE_FAILURES ? `${failures} trials in a row failed` : budgetStop(search, trials, services.clock());
  if (stop) {
    await services.metadata.updateSearch(searchId, { stopReason: stop });
    return { searchId, continue: false, rollover: false, reason: stop };
  }
  return { searchId, continue: true, rollover: shouldRollOver(search.rounds - firstRound, search.spec.budget.maxParallel) };
}
