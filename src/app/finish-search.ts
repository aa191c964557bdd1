/**
 * FinishSearch and FailSearch: the workflow's two endings. Each marks the search, writes
 * a summary next to its artifacts, and announces the outcome on the event bus.
 */
import { z } from 'zod';
import { SearchError } from '../core/errors.js';
import { artifactKeys } from '../ports/artifact-store.js';
import { isRejected, type SearchRecord } from '../ports/records.js';
import { rejectSpec } from './submit-search.js';
import { CaughtError, describeCaught, requireSearch, SearchRef } from './refs.js';
import { nowIso, type Services } from './services.js';

async function writeSummary(services: Services, search: SearchRecord): Promise<void> {
  const trials = await services.metadata.listTrials(search.searchId);
  const { spec: _spec, strategyState: _state, ...rest } = search;
  const summary = {
    ...rest,
    trials: trials.map(({ folds: _folds, ...t }) => t),
  };
  await services.artifacts.put(artifactKeys.summary(search.searchId), JSON.stringify(summary, null, 2), 'application/json');
}

export async function finishSearch(services: Services, raw: SearchRef): Promise<SearchRef & { status: 'succeeded' }> {
  const { searchId } = SearchRef.parse(raw);
  const search = await requireSearch(services, searchId);
  if (!search.final || !search.modelVersion || !search.best) throw new SearchError(`search ${searchId} is not ready to finish`);
  const at = nowIso(services);
  if (search.status !== 'succeeded') {
    await services.metadata.updateSearch(searchId, { status: 'succeeded', finishedAt: at, updatedAt: at });
    await writeSummary(services, { ...search, status: 'succeeded', finishedAt: at, updatedAt: at });
    await services.events.publish({
      type: 'SearchSucceeded',
      searchId,
      time: at,
      detail: {
        name: search.name,
        bestTrial: search.final.trial,
        value: search.best.value,
        testMetrics: search.final.testMetrics,
        version: search.modelVersion.version,
      },
    });
  }
  return { searchId, status: 'succeeded' };
}

export const FailSearchInput = z.object({ searchId: z.string().min(1), error: CaughtError }).loose();
export type FailSearchInput = z.infer<typeof FailSearchInput>;

export async function failSearch(services: Services, raw: FailSearchInput): Promise<{ searchId: string; status: 'failed'; error: string; cause: string }> {
  const { searchId, error } = FailSearchInput.parse(raw);
  const described = describeCaught(error);
  const at = nowIso(services);
  const search = await services.metadata.getSearch(searchId);
  const result = { searchId, status: 'failed' as const, error: described.name, cause: described.message };
  if (!search) {
    // The workflow failed before the search was recorded: keep the reason as a rejected search.
    await rejectSpec(services, { searchId, name: searchId, source: 'workflow', error: described });
    return result;
  }
  // Only a running search changes (and is announced); a second report of the same end is a no-op.
  if (isRejected(search) || search.status !== 'running') return result;
  await services.metadata.updateSearch(searchId, { status: 'failed', error: described, finishedAt: at, updatedAt: at });
  await writeSummary(services, { ...search, status: 'failed', error: described, finishedAt: at, updatedAt: at });
  await services.events.publish({ type: 'SearchFailed', searchId, time: at, detail: { error: described } });
  return result;
}
