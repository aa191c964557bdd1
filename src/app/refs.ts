/**
 * The small payloads that travel between workflow states: keys, never data, so a search
 * of any size stays far below Step Functions' 256 KiB payload limit.
 */
import { z } from 'zod';
import { NotFoundError } from '../core/errors.js';
import type { SearchRecord } from '../ports/records.js';
import type { Services } from './services.js';

export const SearchRef = z.object({ searchId: z.string().min(1) }).loose();
export type SearchRef = z.infer<typeof SearchRef>;

export const TrialRef = z.object({ searchId: z.string().min(1), number: z.int().min(0) }).loose();
export type TrialRef = z.infer<typeof TrialRef>;

/** An error as a Step Functions Catch delivers it: `Cause` may be JSON from Lambda. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.unknown().optional() });
export type CaughtError = z.infer<typeof CaughtError>;

/** Read `{ name, message }` out of a caught error, whichever engine delivered it. */
export function describeCaught(caught: CaughtError): { name: string; message: string } {
  let message = typeof caught.Cause === 'string' ? caught.Cause : JSON.stringify(caught.Cause ?? '');
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: the cause is the message itself.
  }
  return { name: caught.Error, message };
}

/** Load a search or fail with NotFoundError. */
export async function requireSearch(services: Services, searchId: string): Promise<SearchRecord> {
  const search = await services.metadata.getSearch(searchId);
  if (!search) throw new NotFoundError(`no search ${searchId}`);
  return search;
}
