/**
 * The records modelsmith keeps about searches, trials and model versions. These are the
 * shapes every metadata adapter stores and returns; they are plain JSON.
 */
import type { Metrics } from '../core/metrics/names.js';
import type { ModelCost } from '../core/models/types.js';
import type { SearchSpec } from '../core/spec/schema.js';
import type { Assignment } from '../core/space/space.js';

export type SearchStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
}

export interface DatasetSummary {
  readonly uri: string;
  readonly rows: number;
  readonly examples: number;
  readonly inputShape: readonly number[];
  readonly classes: readonly string[];
  readonly development: number;
  readonly test: number;
}

export interface BestSoFar {
  readonly trial: number;
  readonly value: number;
  readonly metrics: Metrics;
}

/** What every search record has, accepted or not. */
interface SearchCommon {
  readonly searchId: string;
  readonly name: string;
  readonly status: SearchStatus;
  /** Where the spec came from (file path or object key), for people. */
  readonly source: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly error?: ErrorInfo;
}

/** A spec that never became a search: it failed validation (e.g. an invalid upload). */
export interface RejectedSearch extends SearchCommon {
  readonly status: 'failed';
  readonly rejected: true;
  readonly error: ErrorInfo;
}

/** Any search record the store holds. */
export type AnySearchRecord = SearchRecord | RejectedSearch;

/** Whether a record is a rejected spec rather than a search. */
export function isRejected(search: AnySearchRecord): search is RejectedSearch {
  return 'rejected' in search && search.rejected === true;
}

/** An accepted search: a valid spec, its dataset and its progress. */
export interface SearchRecord extends SearchCommon {
  readonly rejected?: undefined;
  readonly spec: SearchSpec;
  /** Base location the dataset URI is resolved against. */
  readonly dataset: DatasetSummary;
  /** The primary objective. */
  readonly objective: { readonly metric: string; readonly direction: 'maximize' | 'minimize' };
  /** Every objective, primary first (several for multi-objective searches). */
  readonly objectives?: readonly { readonly metric: string; readonly direction: 'maximize' | 'minimize' }[];
  /** Trial numbers on the Pareto front (multi-objective searches). */
  readonly paretoFront?: readonly number[];
  /** The strategy that runs the search (auto resolved). */
  readonly strategy?: string;
  /** Trials proposed so far (the next trial's number). */
  readonly trialCount: number;
  /** Workflow executions that have run this search (a long or resumed search has several). */
  readonly runs: number;
  readonly strategyState?: unknown;
  /**
   * The trials of the latest proposal, written with the trial count that numbers them:
   * whoever reads the search next writes any of them not yet recorded, so a proposer that
   * stops between the two writes loses nothing.
   */
  readonly lastProposal?: readonly TrialRecord[];
  readonly exhausted?: boolean;
  readonly best?: BestSoFar;
  readonly notes?: readonly string[];
  readonly modelVersion?: { readonly name: string; readonly version: number };
  readonly final?: FinalSummary;
  /** Estimated cloud cost of the trials run so far (USD). */
  readonly costUsd?: number;
  /** Why the search stopped proposing trials (budget spent, time up, ...). */
  readonly stopReason?: string;
}

export interface FinalSummary {
  readonly trial: number;
  readonly epochs: number;
  readonly testMetrics: Metrics;
  /** What predicting without inputs (class frequencies, or the mean) scores on the test split. */
  readonly baselineMetrics: Metrics;
  readonly artifactPrefix: string;
}

export type TrialStatus = 'proposed' | 'running' | 'completed' | 'failed' | 'infeasible' | 'pruned';

export const TERMINAL_TRIAL_STATUSES: readonly TrialStatus[] = ['completed', 'failed', 'infeasible', 'pruned'];

export interface FoldSummary {
  readonly metrics: Metrics;
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  /** Per-epoch training loss. */
  readonly loss: readonly number[];
  /** Per-epoch early-stopping validation loss. */
  readonly valLoss: readonly number[];
}

/** A workflow lane: the execution (`run`, counted per search) and the lane within it. */
export interface TrialLane {
  readonly run: number;
  readonly lane: number;
}

export interface TrialRecord {
  readonly searchId: string;
  readonly number: number;
  /** The lane that runs (or ran) the trial; a later run takes over what an earlier one left unfinished. */
  readonly heldBy?: TrialLane;
  readonly assignment: Assignment;
  readonly status: TrialStatus;
  /** How many times the trial was started (a redelivered task starts it again). */
  readonly attempts: number;
  readonly proposedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly cost?: ModelCost;
  readonly latencyMs?: number;
  /** Mean cross-validation metrics over folds. */
  readonly metrics?: Metrics;
  readonly metricsStd?: Metrics;
  /** The primary objective's mean value. */
  readonly value?: number;
  /** Every objective's value, in the spec's order (multi-objective searches). */
  readonly values?: readonly number[];
  /** Epochs this trial trained for, when the strategy chose them (multi-fidelity). */
  readonly fidelity?: number;
  /** The trial whose configuration this one evaluates again at a higher fidelity. */
  readonly promotes?: number;
  /** Set when training continued from the promoted trial's weights instead of restarting. */
  readonly resumedFrom?: number;
  /** Epochs actually trained, summed over folds (early stopping included). */
  readonly epochsTrained?: number;
  /** The early-stopping (pruning) rule in force when the trial started. */
  readonly pruning?: { readonly kind: string; readonly [field: string]: unknown };
  /** Fold index (as text) to fold summary; filled as folds finish. */
  readonly folds?: Readonly<Record<string, FoldSummary>>;
  readonly error?: ErrorInfo;
  /** Why an infeasible trial was rejected. */
  readonly reason?: string;
  /** The training backend that ran it. */
  readonly backend?: string;
  /** Where it trains in the cloud (locally every trial trains on a trainer thread). */
  readonly compute?: 'lambda' | 'gpu';
  /** Estimated cloud cost of the run, and how it was estimated. */
  readonly costUsd?: number;
  readonly costBasis?: string;
}

export type ModelStage = 'none' | 'staging' | 'production';

/** A model name: its version counter and which versions hold the serving stages. */
export interface ModelRecord {
  readonly name: string;
  readonly latestVersion: number;
  /** The version serving production, if any. */
  readonly production?: number;
  /** The version under evaluation in staging, if any. */
  readonly staging?: number;
  /** Versions that held production, oldest first; the last is the current one. Rollback pops it. */
  readonly productionHistory: readonly number[];
  /** Bumped by every stage change, so concurrent changes cannot interleave. */
  readonly revision: number;
}

/** The stage pointers of a model, as one unit of change. */
export type ModelStages = Pick<ModelRecord, 'production' | 'staging' | 'productionHistory'>;

export interface ModelVersionRecord {
  readonly name: string;
  readonly version: number;
  readonly searchId: string;
  readonly trial: number;
  readonly createdAt: string;
  readonly stage: ModelStage;
  readonly family: string;
  readonly assignment: Assignment;
  /** Cross-validation means of the trial. */
  readonly metrics: Metrics;
  /** Scored once on the held-out test split. */
  readonly testMetrics: Metrics;
  readonly cost: ModelCost;
  /** Key prefix of the version's artifacts; `files` maps each to its stored version id, if any. */
  readonly artifactPrefix: string;
  readonly files: Readonly<Record<string, string | null>>;
}
