/**
 * Read models for people and the API: a search with its trials and registered model, and
 * short summaries for listings. Large internals (strategy state, per-epoch curves) stay
 * out of listings.
 */
import { NotFoundError } from '../core/errors.js';
import { isRejected, type AnySearchRecord, type ModelVersionRecord, type TrialRecord } from '../ports/records.js';
import { resolveVersion } from './registry.js';
import type { Services } from './services.js';

/** What a listing shows of a search. */
export function searchSummary(search: AnySearchRecord) {
  if (isRejected(search)) return search;
  const { spec: _spec, strategyState: _state, ...summary } = search;
  return summary;
}

export interface SearchDetails {
  readonly search: ReturnType<typeof searchSummary> & { readonly spec?: unknown };
  readonly trials: readonly TrialRecord[];
  readonly model?: ModelVersionRecord;
}

/** A search with its trials and, once registered, its model version. */
export async function searchDetails(services: Services, searchId: string): Promise<SearchDetails> {
  const search = await services.metadata.getSearch(searchId);
  if (!search) throw new NotFoundError(`no search ${searchId}`);
  if (isRejected(search)) return { search, trials: [] };
  const trials = await services.metadata.listTrials(searchId);
  const { strategyState: _state, ...shown } = search;
  const registered = search.modelVersion;
  const model = registered ? await resolveVersion(services, registered.name, registered.version) : undefined;
  return model ? { search: shown, trials, model } : { search: shown, trials };
}

/** Newest searches first. */
export async function listSearchSummaries(services: Services, limit: number) {
  return (await services.metadata.listSearches(limit)).map(searchSummary);
}
