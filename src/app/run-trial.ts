/**
 * RunTrial: train and cross-validate one candidate. The same code runs in a trainer
 * Lambda, a GPU container and a local worker thread. A trial that already has an outcome
 * is not trained again (a redelivered task returns the recorded result); divergence is
 * recorded as a failed trial and the search goes on; anything unexpected is thrown for
 * the workflow's Retry and Catch.
 */
import { ConflictError, describeError, NonFiniteLossError, NotFoundError, TrialError, TrialPruned } from '../core/errors.js';
import { medianStoppingRule, shouldPrune, type PruningRule } from '../core/pruners/index.js';
import { specPruner } from '../core/spec/schema.js';
import { estimateRunCost } from '../core/cost.js';
import { buildModel } from '../core/models/build.js';
import type * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/random.js';
import { crossValidate, type FoldResult } from '../core/training/evaluate.js';
import type { EpochRecord } from '../core/training/train.js';
import { measureLatency } from '../core/training/latency.js';
import { artifactKeys } from '../ports/artifact-store.js';
import type { FoldSummary, SearchRecord, TrialRecord, TrialStatus } from '../ports/records.js';
import type { TrialOutcomeFields } from '../ports/metadata-store.js';
import { contextOf, costOf } from './context.js';
import { loadWeights, saveWeights } from './model-artifacts.js';
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
    } else if (outcome.status === 'infeasible' || outcome.status === 'pruned') {
      const type = outcome.status === 'pruned' ? 'TrialPruned' : 'TrialInfeasible';
      await services.events.publish({ type, searchId, time, detail: { trial: number, reason: outcome.reason ?? '' } });
    } else {
      await services.events.publish({ type: 'TrialFailed', searchId, time, detail: { trial: number, error: outcome.error ?? { name: 'Error', message: '' } } });
    }
    return { searchId, number, status: outcome.status, ...(outcome.value === undefined ? {} : { value: outcome.value }) };
  };

  const context = await contextOf(services, searchId, search.spec, search.dataset.uri);
  const { architecture, cost } = costOf(context, trial.assignment);
  // A multi-fidelity strategy chose how many epochs this evaluation gets; a promotion
  // continues from the weights its parent reached and trains only the difference.
  const resume = await checkpointOf(services, search, trial);
  const epochs = trial.fidelity === undefined ? undefined : resume ? Math.max(1, trial.fidelity - resume.fidelity) : trial.fidelity;
  const assignment = epochs === undefined ? trial.assignment : { ...trial.assignment, epochs };
  const objectives = search.objectives ?? [search.objective];
  const pruning = await pruningRuleFor(services, search, number);
  note({ event: 'started', attempt: trial.attempts, backend: services.backend, assignment, cost, pruning, ...(resume ? { resumedFrom: resume.trial } : {}) });
  const seed = createRng(search.spec.seed, 'trial', number).seed();
  try {
    let latencyMs: number | undefined;
    const { maxLatencyMs } = search.spec.constraints;
    if (maxLatencyMs !== undefined || objectives.some((o) => o.metric === 'latency_ms')) {
      const probe = buildModel(architecture, seed);
      try {
        latencyMs = measureLatency(probe, context.dataShape.inputShape, services.monotonic);
      } finally {
        probe.dispose();
      }
      note({ event: 'latency', latencyMs });
      if (maxLatencyMs !== undefined && latencyMs > maxLatencyMs) {
        return await finish({
          status: 'infeasible',
          cost,
          latencyMs,
          backend: services.backend,
          reason: `measured latency ${latencyMs.toFixed(3)} ms exceeds constraints.maxLatencyMs ${maxLatencyMs} (on ${services.backend})`,
        });
      }
    }
    // The first fold's validation losses are the curve the pruner judges.
    const curve: number[] = [];
    const cv = await crossValidate({
      problem: context.problem,
      plan: context.plan,
      architecture,
      assignment,
      patience: search.spec.evaluation.patience,
      seed,
      prepare: (f) => context.fold(f),
      ...(pruning
        ? {
            observe: (fold: number, record: EpochRecord) => {
              if (fold !== 0) return;
              curve.push(record.valLoss ?? record.loss);
              if (shouldPrune(pruning, curve)) {
                throw new TrialPruned(`pruned after epoch ${record.epoch}: its validation loss ${(curve.at(-1) as number).toFixed(4)} is worse than the median of earlier trials`);
              }
            },
          }
        : {}),
      ...(resume ? { startFrom: (f: number) => resume.folds[f] } : {}),
      ...(trial.fidelity === undefined
        ? {}
        : { keep: (f: number, model: tf.LayersModel) => saveWeights(services.artifacts, artifactKeys.checkpoint(searchId, number, f), model.getWeights()) }),
      onFold: async (result) => {
        note({ event: 'fold', fold: result.fold, metrics: result.metrics, bestEpoch: result.bestEpoch, epochs: result.history });
        await services.metadata.recordFold(searchId, number, result.fold, foldSummary(result));
      },
    });
    const values = objectives.map((o) =>
      o.metric === 'params' ? cost.params : o.metric === 'flops' ? cost.flops : o.metric === 'latency_ms' ? latencyMs : cv.mean[o.metric as keyof typeof cv.mean],
    );
    const failing = objectives.find((_, i) => values[i] === undefined || !Number.isFinite(values[i] as number));
    if (failing) throw new TrialError(`the objective ${failing.metric} could not be computed on the validation folds`);
    return await finish({
      status: 'completed',
      cost,
      backend: services.backend,
      metrics: cv.mean,
      metricsStd: cv.std,
      value: values[0] as number,
      epochsTrained: cv.folds.reduce((n, f) => n + f.history.length, 0),
      ...(resume ? { resumedFrom: resume.trial } : {}),
      ...(objectives.length > 1 ? { values: values as number[] } : {}),
      ...(latencyMs === undefined ? {} : { latencyMs }),
    });
  } catch (error) {
    if (error instanceof TrialPruned) return finish({ status: 'pruned', cost, backend: services.backend, reason: error.message });
    if (error instanceof NonFiniteLossError || error instanceof TrialError) {
      return finish({ status: 'failed', cost, backend: services.backend, error: describeError(error) });
    }
    note({ event: 'error', error: describeError(error) });
    throw error;
  } finally {
    resume?.folds.flat().forEach((t) => t.dispose());
  }
}

/**
 * The fold weights of the trial a promotion continues, when every fold's checkpoint is
 * stored (otherwise the promotion trains from scratch, which is only slower).
 */
async function checkpointOf(
  services: Services,
  search: SearchRecord,
  trial: TrialRecord,
): Promise<{ trial: number; fidelity: number; folds: tf.Tensor[][] } | undefined> {
  if (trial.promotes === undefined || trial.fidelity === undefined) return undefined;
  const parent = await services.metadata.getTrial(search.searchId, trial.promotes);
  if (parent?.status !== 'completed' || parent.fidelity === undefined || parent.fidelity >= trial.fidelity) return undefined;
  const folds = await Promise.all(
    Array.from({ length: search.spec.evaluation.folds }, (_, f) => loadWeights(services.artifacts, artifactKeys.checkpoint(search.searchId, parent.number, f))),
  );
  if (folds.some((f) => f === undefined)) {
    folds.flat().forEach((t) => t?.dispose());
    return undefined;
  }
  return { trial: parent.number, fidelity: parent.fidelity, folds: folds as tf.Tensor[][] };
}

/**
 * The pruning rule for a trial starting now, from the first-fold validation curves of the
 * trials completed so far (or null when the spec has no pruner or too few trials are done).
 */
async function pruningRuleFor(services: Services, search: SearchRecord, number: number): Promise<PruningRule | null> {
  const pruner = specPruner(search.spec);
  if (!pruner) return null;
  const curves = (await services.metadata.listTrials(search.searchId))
    .filter((t) => t.number !== number && t.status === 'completed')
    .flatMap((t) => {
      const fold = t.folds?.['0'];
      return fold && fold.valLoss.length ? [fold.valLoss] : [];
    });
  return medianStoppingRule(curves, { warmupEpochs: pruner.warmupEpochs, minTrials: pruner.minTrials });
}
