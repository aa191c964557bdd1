/**
 * RunTrial: train and cross-validate one candidate. The same code runs in a trainer
 * Lambda, a GPU container and a local worker thread. A trial that already has an outcome
 * is not trained again (a redelivered task returns the recorded result); divergence is
 * recorded as a failed trial and the search goes on; anything unexpected is thrown for
 * the workflow's Retry and Catch.
 */
import { ConflictError, describeError, NonFiniteLossError, NotFoundError, TrialError } from '../core/errors.js';
import { estimateRunCost } from '../core/cost.js';
import { buildModel } from '../core/models/build.js';
import { createRng } from '../core/random.js';
import { crossValidate, type FoldResult } from '../core/training/evaluate.js';
import { measureLatency } from '../core/training/latency.js';
import { artifactKeys } from '../ports/artifact-store.js';
import type { FoldSummary, TrialRecord, TrialStatus } from '../ports/records.js';
import type { TrialOutcomeFields } from '../ports/metadata-store.js';
import { contextOf, costOf } from './context.js';
import { requireSearch, TrialRef } from './refs.js';
import { nowIso, type Services } from './services.js';

export interface RunTrialOutput {
  readonly searchId: string;
  readonly number: number;
  readonly status: TrialStatus;
  readonly value?: number;
}

function outputOf(trial: Pick<TrialRecord, 'searchId' | 'number' | 'status' | 'value'>): RunTrialOutput {
  const { searchId, number, status, value } = trial;
  return value === undefined ? { searchId, number, status } : { searchId, number, status, value };
}

function foldSummary(result: FoldResult): FoldSummary {
  return {
    metrics: result.metrics,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    loss: result.history.map((h) => h.loss),
    valLoss: result.history.flatMap((h) => (h.valLoss === undefined ? [] : [h.valLoss])),
  };
}

export async function runTrial(services: Services, raw: TrialRef): Promise<RunTrialOutput> {
  const { searchId, number } = TrialRef.parse(raw);
  const search = await requireSearch(services, searchId);
  const existing = await services.metadata.getTrial(searchId, number);
  if (!existing) throw new NotFoundError(`search ${searchId} has no trial ${number}`);
  if (existing.status === 'completed' || existing.status === 'failed' || existing.status === 'infeasible') return outputOf(existing);

  const startedAt = nowIso(services);
  let trial: TrialRecord;
  try {
    trial = await services.metadata.startTrial(searchId, number, startedAt, { backend: services.backend });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return outputOf((await services.metadata.getTrial(searchId, number)) as TrialRecord);
  }
  await services.events.publish({ type: 'TrialStarted', searchId, time: startedAt, detail: { trial: number, attempt: trial.attempts } });

  const began = services.monotonic();
  const log: object[] = [];
  const note = (entry: object) => log.push({ at: services.monotonic() - began, ...entry });
  const finish = async (fields: Omit<TrialOutcomeFields, 'finishedAt' | 'durationMs'>): Promise<RunTrialOutput> => {
    const durationMs = Math.round(services.monotonic() - began);
    const estimate = estimateRunCost(services.cloud, trial.compute ?? 'lambda', durationMs);
    const outcome: TrialOutcomeFields = {
      ...fields,
      finishedAt: nowIso(services),
      durationMs,
      costUsd: estimate.usd,
      costBasis: estimate.basis,
    };
    note({ event: 'finished', status: outcome.status, value: outcome.value, error: outcome.error, reason: outcome.reason });
    const recorded = await services.metadata.finishTrial(searchId, number, outcome);
    await services.artifacts.put(artifactKeys.trialLog(searchId, number), log.map((l) => JSON.stringify(l)).join('\n') + '\n', 'application/x-ndjson');
    if (!recorded) return outputOf((await services.metadata.getTrial(searchId, number)) as TrialRecord);
    const time = outcome.finishedAt as string;
    if (outcome.status === 'completed') {
      await services.events.publish({
        type: 'TrialCompleted',
        searchId,
        time,
        detail: { trial: number, value: outcome.value as number, metrics: outcome.metrics ?? {}, durationMs: outcome.durationMs as number },
      });
    } else if (outcome.status === 'infeasible') {
      await services.events.publish({ type: 'TrialInfeasible', searchId, time, detail: { trial: number, reason: outcome.reason ?? '' } });
    } else {
      await services.events.publish({ type: 'TrialFailed', searchId, time, detail: { trial: number, error: outcome.error ?? { name: 'Error', message: '' } } });
    }
    return { searchId, number, status: outcome.status, ...(outcome.value === undefined ? {} : { value: outcome.value }) };
  };

  const context = await contextOf(services, searchId, search.spec, search.dataset.uri);
  const { architecture, cost } = costOf(context, trial.assignment);
  note({ event: 'started', attempt: trial.attempts, backend: services.backend, assignment: trial.assignment, cost });
  const seed = createRng(search.spec.seed, 'trial', number).seed();
  try {
    let latencyMs: number | undefined;
    const { maxLatencyMs } = search.spec.constraints;
    if (maxLatencyMs !== undefined) {
      const probe = buildModel(architecture, seed);
      try {
        latencyMs = measureLatency(probe, context.dataShape.inputShape, services.monotonic);
      } finally {
        probe.dispose();
      }
      note({ event: 'latency', latencyMs });
      if (latencyMs > maxLatencyMs) {
        return await finish({
          status: 'infeasible',
          cost,
          latencyMs,
          backend: services.backend,
          reason: `measured latency ${latencyMs.toFixed(3)} ms exceeds constraints.maxLatencyMs ${maxLatencyMs} (on ${services.backend})`,
        });
      }
    }
    const cv = await crossValidate({
      problem: context.problem,
      plan: context.plan,
      architecture,
      assignment: trial.assignment,
      patience: search.spec.evaluation.patience,
      seed,
      prepare: (f) => context.fold(f),
      onFold: async (result) => {
        note({ event: 'fold', fold: result.fold, metrics: result.metrics, bestEpoch: result.bestEpoch, epochs: result.history });
        await services.metadata.recordFold(searchId, number, result.fold, foldSummary(result));
      },
    });
    const value = cv.mean[search.objective.metric as keyof typeof cv.mean];
    if (value === undefined || !Number.isFinite(value)) {
      throw new TrialError(`the objective ${search.objective.metric} could not be computed on the validation folds`);
    }
    return await finish({
      status: 'completed',
      cost,
      backend: services.backend,
      metrics: cv.mean,
      metricsStd: cv.std,
      value,
      ...(latencyMs === undefined ? {} : { latencyMs }),
    });
  } catch (error) {
    if (error instanceof NonFiniteLossError || error instanceof TrialError) {
      return finish({ status: 'failed', cost, backend: services.backend, error: describeError(error) });
    }
    note({ event: 'error', error: describeError(error) });
    throw error;
  }
}
