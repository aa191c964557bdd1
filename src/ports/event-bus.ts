/**
 * The event port: what a search announces as it runs. In the cloud these go to an
 * EventBridge bus (deployments subscribe there); locally to in-process subscribers and an
 * append-only log.
 */
import type { Metrics } from '../core/metrics/names.js';

interface EventBase<T extends string, D> {
  readonly type: T;
  readonly searchId: string;
  readonly time: string;
  readonly detail: D;
}

export type SearchEvent =
  | EventBase<'SearchStarted', { name: string; maxTrials: number; maxParallel: number; strategy: string; objective: string }>
  | EventBase<'TrialStarted', { trial: number; attempt: number }>
  | EventBase<'TrialCompleted', { trial: number; value: number; metrics: Metrics; durationMs: number }>
  | EventBase<'TrialFailed', { trial: number; error: { name: string; message: string } }>
  | EventBase<'TrialInfeasible', { trial: number; reason: string }>
  | EventBase<'TrialPruned', { trial: number; reason: string }>
  | EventBase<'SearchSucceeded', { name: string; bestTrial: number; value: number; testMetrics: Metrics; version: number }>
  | EventBase<'SearchFailed', { error: { name: string; message: string } }>
  | EventBase<'ModelVersionRegistered', { name: string; version: number; artifactPrefix: string }>
  /** A version entered or left a serving stage; `searchId` is the search that made the version. */
  | EventBase<'ModelStageChanged', { name: string; version: number; stage: 'none' | 'staging' | 'production'; previous?: number; reason: 'promote' | 'rollback' }>;

export type SearchEventType = SearchEvent['type'];

export interface EventBus {
  publish(event: SearchEvent): Promise<void>;
}
