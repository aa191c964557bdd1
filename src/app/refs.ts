/**
 * The small payloads that travel between workflow states: keys, never data, so a search
 * of any size stays far below Step Functions' 256 KiB payload limit.
 */
import { z } from 'zod';
import { NotFoundError, SearchError } from '../core/errors.js';
import { isRejected, type SearchRecord } from '../ports/records.js';
import type { Services } from './services.js';

export const SearchRef = z.object({ searchId: z.string().min(1) }).loose();
export type SearchRef = z.infer<typeof SearchRef>;

export const TrialRef = z.object({ searchId: z.string().min(1), number: z.int().min(0) }).loose();
export type TrialRef = z.infer<typeof TrialRef>;

/** An error as a Step Functions Catch delivers it: `Cause` may be JSON from Lambda. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.unknown().optional() });
export type CaughtError = z.infer<typeof CaughtError>;

/** Messages for the workflow engine's own errors, which carry no useful cause. */
const ENGINE_ERRORS: Record<string, string> = {
  'States.Timeout': 'the task ran past its time limit (TimeoutSeconds in the workflow definition; 900 s for a trainer Lambda)',
  'States.HeartbeatTimeout': 'the task stopped sending heartbeats',
  'States.TaskFailed': 'the task failed',
};

/** Read `{ name, message }` out of a caught error, whichever engine delivered it. */
export function describeCaught(caught: CaughtError): { name: string; message: string } {
  const known = ENGINE_ERRORS[caught.Error];
  if (known && (caught.Cause === undefined || caught.Cause === caught.Error || caught.Cause === '')) return { name: caught.Error, message: known };
  let message = typeof caught.Cause === 'string' ? caught.Cause : JSON.stringify(caught.Cause ?? '');
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: the cause is the message itself.
  }
  return { name: caught.Error, message };
}

/** Load an accepted search, or fail with NotFoundError (none) or SearchError (a rejected spec). */
export async function requireSearch(services: Services, searchId: string): Promise<SearchRecord> {
  const search = await services.metadata.getSearch(searchId);
  if (!search) throw new NotFoundError(`no search ${searchId}`);
  if (isRejected(search)) throw new SearchError(`search ${searchId} was rejected: ${search.error.message}`);
  return search;
}
