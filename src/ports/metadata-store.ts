/**
 * The metadata port: where searches, trials and model versions are recorded. Writes that
 * move a trial between states are conditional, so a task delivered twice records once.
 * Adapters: DynamoDB (the cloud, and embedded dynalite locally).
 */
import type { AnySearchRecord, FoldSummary, ModelRecord, ModelStages, ModelVersionRecord, SearchRecord, TrialLane, TrialRecord } from './records.js';

/** Fields of a finished trial. */
export type TrialOutcomeFields = Pick<
  TrialRecord,
  | 'status'
  | 'finishedAt'
  | 'durationMs'
  | 'metrics'
  | 'metricsStd'
  | 'value'
  | 'error'
  | 'reason'
  | 'cost'
  | 'latencyMs'
  | 'backend'
  | 'costUsd'
  | 'costBasis'
  | 'values'
  | 'epochsTrained'
  | 'resumedFrom'
>;

export interface MetadataStore {
  /** Create a search (or record a rejected spec); fails with ConflictError when the id exists. */
  createSearch(search: AnySearchRecord): Promise<void>;
  getSearch(searchId: string): Promise<AnySearchRecord | undefined>;
  /** Newest first. */
  listSearches(limit?: number): Promise<AnySearchRecord[]>;
  /** Merge fields into a search. */
  updateSearch(searchId: string, fields: Partial<Omit<SearchRecord, 'searchId' | 'createdAt'>>): Promise<void>;
  /**
   * Merge fields into a search if its trial count is still `trialCount`: lanes proposing at
   * once take turns. Returns false, changing nothing, when another proposal came first.
   */
  advanceSearch(searchId: string, trialCount: number, fields: Partial<Omit<SearchRecord, 'searchId' | 'createdAt'>>): Promise<boolean>;

  /** Record newly proposed trials; a trial number that exists is left unchanged. */
  putTrials(trials: readonly TrialRecord[]): Promise<void>;
  getTrial(searchId: string, number: number): Promise<TrialRecord | undefined>;
  /**
   * Hand an unfinished trial to `lane` if it is still unfinished and still held by `from`
   * (undefined: by no lane). Returns false when it finished or another lane took it first.
   */
  assignTrial(searchId: string, number: number, lane: TrialLane, from: TrialLane | undefined): Promise<boolean>;
  /** In trial-number order. */
  listTrials(searchId: string): Promise<TrialRecord[]>;
  /**
   * Mark a trial running and count the attempt. Throws ConflictError when it already
   * finished (the caller returns the recorded outcome instead of training again).
   */
  startTrial(searchId: string, number: number, startedAt: string, fields?: Partial<TrialRecord>): Promise<TrialRecord>;
  /** Record one fold's result while the trial runs (idempotent per fold). */
  recordFold(searchId: string, number: number, fold: number, summary: FoldSummary): Promise<void>;
  /**
   * Record a trial's outcome once. Returns false (and changes nothing) when an outcome was
   * already recorded.
   */
  finishTrial(searchId: string, number: number, outcome: TrialOutcomeFields): Promise<boolean>;

  /** Allocate the next version number for a model name and record the version. */
  registerModelVersion(version: Omit<ModelVersionRecord, 'version'>): Promise<ModelVersionRecord>;
  updateModelVersion(name: string, version: number, fields: Partial<Omit<ModelVersionRecord, 'name' | 'version'>>): Promise<void>;
  listModelVersions(name: string): Promise<ModelVersionRecord[]>;
  listModels(): Promise<ModelRecord[]>;
  getModel(name: string): Promise<ModelRecord | undefined>;
  /**
   * Replace a model's stage pointers if its revision is still `revision` (optimistic
   * concurrency); returns false, changing nothing, when another change came first.
   */
  setModelStages(name: string, stages: ModelStages, revision: number): Promise<boolean>;
}
