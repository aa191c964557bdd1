/**
 * The error vocabulary of modelsmith. Every error a user can meet is a subclass of
 * {@link ModelsmithError} whose `name` is a stable contract: Step Functions `Catch`
 * clauses, API responses and CLI exit codes are keyed on it.
 */

/** Base class: a message for people, a stable `name` for machines, optional context. */
export class ModelsmithError extends Error {
  /** Extra structured facts (field paths, values) that explain the error. */
  readonly context: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** One problem found in a search spec: where it is and what was expected. */
export interface SpecIssue {
  /** Dotted path of the offending field, e.g. `space.mlp.units.min`; empty for the root. */
  readonly path: string;
  readonly message: string;
}

/** The search spec is malformed or inconsistent. Nothing was written. */
export class SpecError extends ModelsmithError {
  readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[], source?: string) {
    const where = source ? ` in ${source}` : '';
    const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`);
    super(`Invalid search spec${where}:\n${lines.join('\n')}`, { context: { issues, source } });
    this.issues = issues;
  }
}

/** The dataset cannot be read or does not fit the spec (missing column, bad CSV, ...). */
export class DatasetError extends ModelsmithError {}

/** No candidate in the space can satisfy the constraints, or the space is empty. */
export class InfeasibleSpaceError extends ModelsmithError {}

/** A trial's training diverged: the loss became NaN or infinite. Fails the trial only. */
export class NonFiniteLossError extends ModelsmithError {}

/** A trial was stopped early by the pruner: it looked worse than earlier trials. */
export class TrialPruned extends ModelsmithError {}

/** A trial failed for a reason specific to it. The search goes on. */
export class TrialError extends ModelsmithError {}

/** A conditional write lost: the item was already in the state we wanted to move it from. */
export class ConflictError extends ModelsmithError {}

/** A step lost a race it may win if tried again (the workflow's Retry does). */
export class TransientError extends ModelsmithError {}

/** A record that should exist does not. */
export class NotFoundError extends ModelsmithError {}

/** The search can not continue: every trial failed, or the store rejected the search. */
export class SearchError extends ModelsmithError {}

/** A request or command argument is malformed: a bad version reference, prediction input that does not fit the model. */
export class InputError extends ModelsmithError {}

/** Describe any thrown value as `{ name, message }`, the shape stored with failed trials. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name || 'Error', message: error.message };
  return { name: 'Error', message: String(error) };
}
