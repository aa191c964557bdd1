/**
 * When a search stops proposing, and when an execution hands the search over to a fresh
 * one: the budget (trials, minutes, estimated cost), an exhausted strategy, a run of
 * failures, and the size of an execution's event history. Read from the trial records, so
 * every lane and every retry reaches the same answer.
 */
import type { SearchRecord, TrialRecord } from '../ports/records.js';

/** Trials the budget counts: every trial that was (or is being) run. */
export function countedTrials(trials: readonly TrialRecord[]): number {
  return trials.filter((t) => !(t.status === 'infeasible' && t.startedAt === undefined)).length;
}

/** Estimated cloud cost of every trial run so far. */
export function totalCost(trials: readonly TrialRecord[]): number {
  return trials.reduce((sum, t) => sum + (t.costUsd ?? 0), 0);
}

/** Consecutive failed trials (with no success in between) that stop a search early. */
export const MAX_CONSECUTIVE_FAILURES = 10;

/** Failed trials since the last completed one, in trial-number order. */
export function trailingFailures(trials: readonly TrialRecord[]): number {
  let count = 0;
  for (let i = trials.length - 1; i >= 0; i--) {
    const status = (trials[i] as TrialRecord).status;
    if (status === 'failed') count++;
    else if (status === 'completed') break;
  }
  return count;
}

/** Why the search should stop proposing, or null to go on. */
export function budgetStop(
  search: Pick<SearchRecord, 'spec' | 'createdAt' | 'exhausted'>,
  trials: readonly TrialRecord[],
  now: Date,
): string | null {
  const { maxTrials, maxMinutes } = search.spec.budget;
  if (countedTrials(trials) >= maxTrials) return `reached budget.maxTrials (${maxTrials})`;
  if (maxMinutes !== undefined && now.getTime() - Date.parse(search.createdAt) >= maxMinutes * 60_000) {
    return `reached budget.maxMinutes (${maxMinutes})`;
  }
  const { maxCostUsd } = search.spec.budget;
  const spent = totalCost(trials);
  if (maxCostUsd !== undefined && spent >= maxCostUsd) {
    return `reached budget.maxCostUsd (estimated $${spent.toFixed(4)} of $${maxCostUsd})`;
  }
  if (search.exhausted) return 'the strategy has no untried candidates left';
  return null;
}

/** Why the search is over: a stop recorded earlier, a run of failures, or the budget. */
export function searchStop(search: SearchRecord, trials: readonly TrialRecord[], now: Date): string | null {
  if (search.stopReason) return search.stopReason;
  const failures = trailingFailures(trials);
  if (failures >= MAX_CONSECUTIVE_FAILURES) return `${failures} trials in a row failed`;
  return budgetStop(search, trials, now);
}

/** Step Functions keeps 25,000 events per execution; hand over well before that. */
const HISTORY_EVENTS_BUDGET = 20_000;

/**
 * Events an execution's history holds after `trials` trials and `polls` waits per lane
 * over `lanes` lanes: about 40 for the states around the lanes, 12 per lane (its Map
 * iteration and last proposal), 14 per trial (proposal, choices, the training task) and 9
 * per wait (the Wait state and the proposal after it).
 */
export function historyEvents(trials: number, lanes: number, pollsPerLane: number): number {
  return 40 + 12 * lanes + 14 * trials + 9 * pollsPerLane * lanes;
}

/**
 * Whether a lane should end so the search continues in a fresh execution: one more trial
 * in every lane would take the history past the budget.
 */
export function shouldRollOver(trialsThisRun: number, lanes: number, pollsPerLane: number): boolean {
  return historyEvents(trialsThisRun + lanes, lanes, pollsPerLane) > HISTORY_EVENTS_BUDGET;
}
