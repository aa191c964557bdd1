/**
 * One mapping from domain errors to HTTP status codes and stable error codes, shared by the
 * API handlers and the local prediction server. Every error body is
 * `{ "error": { "code", "message", "issues"? } }`.
 */
import { ConflictError, DatasetError, InfeasibleSpaceError, InputError, NotFoundError, SpecError } from '../core/errors.js';

const STATUS: [new (...args: never[]) => Error, number, string][] = [
  [SpecError, 400, 'InvalidSpec'],
  [InputError, 400, 'BadRequest'],
  [DatasetError, 422, 'InvalidDataset'],
  [InfeasibleSpaceError, 422, 'InfeasibleSpace'],
  [NotFoundError, 404, 'NotFound'],
  [ConflictError, 409, 'Conflict'],
];

export interface HttpError {
  readonly status: number;
  readonly body: { readonly error: { readonly code: string; readonly message: string; readonly issues?: unknown } };
}

/** The response for a known domain error; undefined for anything else (a 500 the caller logs). */
export function httpErrorOf(error: unknown): HttpError | undefined {
  for (const [type, status, code] of STATUS) {
    if (error instanceof type) {
      const issues = error instanceof SpecError ? { issues: error.issues } : {};
      return { status, body: { error: { code, message: (error as Error).message, ...issues } } };
    }
  }
  return undefined;
}

/** The body of an unexpected error: nothing internal leaks. */
export const INTERNAL_ERROR = { error: { code: 'InternalError', message: 'the request could not be completed; see the logs' } } as const;
