/**
 * Submitting a search from outside the workflow (the API, a spec uploaded to S3): the spec
 * and its dataset are validated first, so an invalid request never starts an execution.
 * A spec that fails validation can be recorded as a rejected search, with the reason, and
 * announced with SearchFailed.
 */
import { describeError, ModelsmithError } from '../core/errors.js';
import type { WorkflowEngine } from '../ports/workflow-engine.js';
import type { RejectedSearch } from '../ports/records.js';
import { prepareSearch } from './start-search.js';
import { nowIso, type Services } from './services.js';

export interface SubmitSearchInput {
  readonly spec: unknown;
  /** Where the spec came from, for messages (an object URI, "api"). */
  readonly source: string;
  /** What relative dataset URIs resolve against. */
  readonly base: string;
  /** Chooses the search id once the spec's model name is known. */
  readonly searchIdFor: (name: string) => string;
}

export interface SubmittedSearch {
  readonly searchId: string;
  readonly name: string;
  readonly executionArn: string;
}

/** Validate, then start the workflow. Throws SpecError, DatasetError or InfeasibleSpaceError. */
export async function submitSearch(services: Services, engine: WorkflowEngine, input: SubmitSearchInput): Promise<SubmittedSearch> {
  const context = await prepareSearch(services.datasets, input.spec, input.source, input.base);
  const searchId = input.searchIdFor(context.spec.name);
  const { executionArn } = await engine.start(searchId, { searchId, spec: input.spec, source: input.source, base: input.base });
  return { searchId, name: context.spec.name, executionArn };
}

/** Record a spec that failed validation as a rejected search and announce it. */
export async function rejectSpec(
  services: Services,
  rejection: { searchId: string; name: string; source: string; error: Error | { name: string; message: string } },
): Promise<RejectedSearch> {
  const at = nowIso(services);
  const error = rejection.error instanceof Error ? describeError(rejection.error) : (rejection.error as { name: string; message: string });
  const record: RejectedSearch = {
    searchId: rejection.searchId,
    name: rejection.name,
    status: 'failed',
    rejected: true,
    source: rejection.source,
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
    error,
  };
  try {
    await services.metadata.createSearch(record);
  } catch (createError) {
    // A redelivered upload was already rejected: nothing more to record.
    if (!(createError instanceof ModelsmithError && createError.name === 'ConflictError')) throw createError;
    return record;
  }
  await services.events.publish({ type: 'SearchFailed', searchId: rejection.searchId, time: at, detail: { error } });
  return record;
}
