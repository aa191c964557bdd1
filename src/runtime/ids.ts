/**
 * Search ids: the model name, a UTC timestamp and a short suffix — readable in listings,
 * sortable by time, and valid as a Step Functions execution name.
 */
import { createHash, randomBytes } from 'node:crypto';

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** A new id with a random suffix. */
export function newSearchId(name: string, at: Date): string {
  return `${name}-${stamp(at)}-${randomBytes(3).toString('hex')}`;
}

/** An id derived from what identifies a request, so a redelivered request maps to the same search. */
export function derivedSearchId(name: string, at: Date, identity: string): string {
  return `${name}-${stamp(at)}-${createHash('sha256').update(identity).digest('hex').slice(0, 6)}`;
}
