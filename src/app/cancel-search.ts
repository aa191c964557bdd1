/**
 * CancelSearch: stop a running search's workflow and record it as cancelled. Trials
 * already recorded stay; a trial in flight may still finish and record its outcome.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { isRejected } from '../ports/records.js';
import type { WorkflowEngine } from '../ports/workflow-engine.js';
import { nowIso, type Services } from './services.js';

export async function cancelSearch(services: Services, engine: WorkflowEngine, searchId: string): Promise<{ searchId: string; status: 'cancelled' }> {
  const search = await services.metadata.getSearch(searchId);
  if (!search) throw new NotFoundError(`no search ${searchId}`);
  if (isRejected(search) || search.status !== 'running') {
    throw new ConflictError(`search ${searchId} is ${isRejected(search) ? 'rejected' : search.status}, not running`);
  }
  await engine.stop(searchId, 'cancelled by request');
  const at = nowIso(services);
  const error = { name: 'SearchCancelled', message: 'the search was cancelled by request' };
  await services.metadata.updateSearch(searchId, { status: 'cancelled', error, finishedAt: at, updatedAt: at });
  await services.events.publish({ type: 'SearchFailed', searchId, time: at, detail: { error } });
  return { searchId, status: 'cancelled' };
}
