/**
 * A search's progress, folded from its trial records: the best comparable trial, the
 * Pareto front of a multi-objective search and the estimated cost so far. The records
 * are the source of truth; folding again changes nothing.
 */
import { betterThan } from '../core/metrics/index.js';
import { paretoFront } from '../core/strategies/pareto.js';
import type { BestSoFar, SearchRecord, TrialRecord } from '../ports/records.js';
import { totalCost } from './search-stop.js';
import { nowIso, type Services } from './services.js';

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

/** Write the search's best trial, Pareto front and cost when they changed. */
export async function recordProgressOf(services: Services, search: SearchRecord, trials: readonly TrialRecord[]): Promise<void> {
  const top = bestTrial(trials, search.objective.direction);
  const best: BestSoFar | undefined = top ? { trial: top.number, value: top.value as number, metrics: top.metrics ?? {} } : undefined;
  const objectives = search.objectives ?? [search.objective];
  const front = objectives.length > 1 ? paretoTrials(trials, objectives.map((o) => o.direction)) : undefined;
  const costUsd = totalCost(trials);
  const changed =
    best?.trial !== search.best?.trial ||
    best?.value !== search.best?.value ||
    costUsd !== (search.costUsd ?? 0) ||
    (front !== undefined && front.join() !== (search.paretoFront ?? []).join());
  if (!changed) return;
  await services.metadata.updateSearch(search.searchId, {
    ...(best ? { best } : {}),
    ...(front ? { paretoFront: front } : {}),
    costUsd,
    updatedAt: nowIso(services),
  });
}
