/**
 * SelectBest: the best completed trial and where its final refit trains, or a clear
 * account of why no trial completed (which fails the search).
 */
import { SearchError } from '../core/errors.js';
import type { TrialRecord } from '../ports/records.js';
import { bestTrial } from './progress.js';
import { requireSearch, SearchRef } from './refs.js';
import type { Services } from './services.js';

export interface SelectBestOutput {
  readonly searchId: string;
  readonly trial: number;
  readonly compute: 'lambda' | 'gpu';
}

/** Why no trial completed, e.g. "3 failed (first: NonFiniteLossError: ...); 2 infeasible (...)". */
export function failureAccount(trials: readonly TrialRecord[]): string {
  if (trials.length === 0) return 'no trial was run';
  const failed = trials.filter((t) => t.status === 'failed');
  const infeasible = trials.filter((t) => t.status === 'infeasible');
  const parts: string[] = [];
  if (failed.length) {
    const first = failed[0]?.error;
    parts.push(`${failed.length} failed${first ? ` (first: ${first.name}: ${first.message})` : ''}`);
  }
  if (infeasible.length) parts.push(`${infeasible.length} infeasible (first: ${infeasible[0]?.reason ?? ''})`);
  return parts.join('; ') || `${trials.length} trials did not finish`;
}

export async function selectBest(services: Services, raw: SearchRef): Promise<SelectBestOutput> {
  const { searchId } = SearchRef.parse(raw);
  const search = await requireSearch(services, searchId);
  const trials = await services.metadata.listTrials(searchId);
  const best = bestTrial(trials, search.objective.direction);
  if (!best) throw new SearchError(`no trial completed: ${failureAccount(trials)}`);
  return { searchId, trial: best.number, compute: best.compute ?? 'lambda' };
}
