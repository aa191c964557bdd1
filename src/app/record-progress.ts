/**
 * RecordProgress: once every lane of an execution has ended, fold the trial records into
 * the search (best so far, Pareto front, cost) and decide how it goes on. Lanes end when
 * the search is over or when the execution's event history is nearly full; in the second
 * case the search continues in a fresh execution. The trial records are the source of
 * truth; the lanes' own outputs are not trusted, so a redelivered task changes nothing.
 */
import { recordProgressOf } from './progress.js';
import { requireSearch, SearchRef } from './refs.js';
import { searchStop } from './search-stop.js';
import type { Services } from './services.js';

export interface ProgressOutput {
  readonly searchId: string;
  /** True when the search goes on in a fresh execution. */
  readonly continue: boolean;
  /** Why the search is over, when it is. */
  readonly reason?: string;
}

export async function recordProgress(services: Services, raw: SearchRef): Promise<ProgressOutput> {
  const { searchId } = SearchRef.parse(raw);
  const search = await requireSearch(services, searchId);
  const trials = await services.metadata.listTrials(searchId);
  await recordProgressOf(services, search, trials);
  if (search.status !== 'running') return { searchId, continue: false, reason: `the search is ${search.status}` };
  // Trials left unfinished (lanes of an earlier execution) are finished by the next one.
  const unfinished = trials.some((t) => t.status === 'proposed' || t.status === 'running');
  const stop = searchStop(search, trials, services.clock());
  if (stop && !unfinished) {
    if (!search.stopReason) await services.metadata.updateSearch(searchId, { stopReason: stop });
    return { searchId, continue: false, reason: stop };
  }
  return { searchId, continue: true };
}
