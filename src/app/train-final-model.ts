/**
 * TrainFinalModel: pick the best trial, refit it on all development data, score it once on
 * the held-out test split, and store the model with its preprocessing, architecture and
 * metrics. Fails the search with a clear account when no trial completed.
 */
import { SearchError } from '../core/errors.js';
import { createRng } from '../core/random.js';
import { fitFinalModel } from '../core/training/evaluate.js';
import { artifactKeys } from '../ports/artifact-store.js';
import type { FinalSummary } from '../ports/records.js';
import { contextOf, costOf } from './context.js';
import { saveModel } from './model-artifacts.js';
import { bestTrial } from './progress.js';
import { failureAccount } from './select-best.js';
import { requireSearch, SearchRef } from './refs.js';
import { nowIso, type Services } from './services.js';

export async function trainFinalModel(services: Services, raw: SearchRef): Promise<SearchRef & { final: FinalSummary }> {
  const { searchId } = SearchRef.parse(raw);
  const search = await requireSearch(services, searchId);
  if (search.final) return { searchId, final: search.final };
  const trials = await services.metadata.listTrials(searchId);
  const best = bestTrial(trials, search.objective.direction);
  if (!best) throw new SearchError(`no trial completed: ${failureAccount(trials)}`);

  const context = await contextOf(services, searchId, search.spec, search.dataset.uri);
  const { architecture, cost } = costOf(context, best.assignment);
  const bestEpochs = Object.values(best.folds ?? {}).map((f) => f.bestEpoch);
  const final = await fitFinalModel({
    problem: context.problem,
    plan: context.plan,
    architecture,
    assignment: best.assignment,
    bestEpochs,
    seed: createRng(search.spec.seed, 'trial', best.number).seed(),
  });
  const prefix = artifactKeys.finalModel(searchId);
  try {
    await saveModel(services.artifacts, prefix, final.model);
  } finally {
    final.model.dispose();
  }
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  await services.artifacts.put(`${prefix}preprocessor.json`, json(final.preprocessor), 'application/json');
  await services.artifacts.put(`${prefix}architecture.json`, json({ ...architecture, cost }), 'application/json');
  await services.artifacts.put(
    `${prefix}metrics.json`,
    json({
      trial: best.number,
      assignment: best.assignment,
      objective: search.objective,
      crossValidation: { mean: best.metrics, std: best.metricsStd, folds: search.spec.evaluation.folds },
      test: final.testMetrics,
      baseline: final.baselineMetrics,
      epochs: final.epochs,
      examples: { development: context.plan.development.length, test: context.plan.test.length },
    }),
    'application/json',
  );
  const summary: FinalSummary = {
    trial: best.number,
    epochs: final.epochs,
    testMetrics: final.testMetrics,
    baselineMetrics: final.baselineMetrics,
    artifactPrefix: prefix,
  };
  await services.metadata.updateSearch(searchId, { final: summary, updatedAt: nowIso(services) });
  return { searchId, final: summary };
}
