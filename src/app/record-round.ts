/**
 * RecordRound: after each Map round, fold the recorded trials into the search (best so
 * far, counts) and decide whether to run another round. The trial records are the source
 * of truth; the Map's own output is not trusted, so a redelivered round changes nothing.
 */
import { betterThan } from '../core/metrics/index.js';
import type { BestSoFar, TrialRecord } from '../ports/records.js';
import { budgetStop } from './propose-trials.js';
import { requireSearch, SearchRef } from './refs.js';
import { nowIso, type Services } from './services.js';

export interface RoundOutput {
  readonly searchId: string;
  readonly continue: boolean;
  readonly reason?: string;
}

/** Consecutive failed trials (with no success in between) that stop a search early. */
export const MAX_CONSECUTIVE_FAILURES = 10;

/** The best completed trial under the objective's direction, or undefined. */
export function bestTrial(trials: readonly TrialRecord[], direction: 'maximize' | 'minimize'): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const trial of trials) {
    if (trial.status !== 'completed' || trial.value === undefined) continue;
    if (!best || betterThan(trial.value, best.value as number, direction)) best = trial;
  }
  return best;
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

export async function recordRound(services: Services, raw: SearchRef): Promise<RoundOutput> {
  const { searchId } = SearchRef.parse(raw);
  const search = await requireSearch(services, searchId);
  const trials = await services.metadata.listTrials(searchId);
  const top = bestTrial(trials, search.objective.direction);
  const best: BestSoFar | undefined = top ? { trial: top.number, value: top.value as number, metrics: top.metrics ?? {} } : undefined;
  await services.metadata.updateSearch(searchId, { ...(best ? { best } : {}), updatedAt: nowIso(services) });
  const failures = trailingFailures(trials);
  if (failures >= MAX_CONSECUTIVE_FAILURES) {
    return { searchId, continue: false, reason: `${failures} trials in a row failed` };
  }
  const stop = budgetStop(search, trials, services.clock());
  return stop ? { searchId, continue: false, reason: stop } : { searchId, continue: true };
}
