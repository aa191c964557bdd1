/**
 * The search workflow end to end: the real ASL definition run by aws-local-stepfunctions,
 * training Tasks on trainer threads, against the embedded dynalite store and artifact
 * folder. Small budgets keep it to seconds per search.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadModel } from '../../src/app/model-artifacts.js';
import { encodeExamples } from '../../src/core/data/preprocess.js';
import type { Preprocessor } from '../../src/core/data/preprocess.js';
import { InfeasibleSpaceError } from '../../src/core/errors.js';
import { classificationMetrics } from '../../src/core/metrics/index.js';
import { predict } from '../../src/core/training/train.js';
import { buildContext, parseTable } from '../../src/app/context.js';
import type { SearchEvent } from '../../src/ports/event-bus.js';
import type { TrialRecord } from '../../src/ports/records.js';
import { initBackend } from '../../src/runtime/backend.js';
import { resumeLocalSearch, runLocalSearch } from '../../src/runtime/local/engine.js';
import { openLocalStore } from '../../src/runtime/local/store.js';
import { DATASETS, tempDir } from '../helpers.js';

let home: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  home = await tempDir();
  await initBackend('auto');
});
afterAll(() => home.cleanup());

/** Write a spec next to a copy-free reference to the example data; returns its path. */
async function writeSpec(name: string, spec: Record<string, unknown>): Promise<string> {
  const path = join(home.path, `${name}.yaml`);
  await writeFile(path, stringify(spec));
  return path;
}

const irisSpec = (overrides: Record<string, unknown> = {}) => ({
  name: 'iris-e2e',
  task: 'classification',
  dataset: { uri: join(DATASETS, 'iris.csv'), target: 'species' },
  evaluation: { folds: 3, patience: 5 },
  space: { family: 'mlp', learningRate: { min: 0.005, max: 0.05, log: true }, batchSize: 16, epochs: 30, mlp: { layers: 1, units: [8, 16], dropout: 0 } },
  budget: { maxTrials: 3, maxParallel: 2 },
  seed: 3,
  ...overrides,
});

describe('local search through the workflow definition', () => {
  it('runs a search to a registered, reloadable model version', async () => {
    const events: SearchEvent[] = [];
    const path = await writeSpec('iris', irisSpec());
    const { search, trials } = await runLocalSearch(path, { home: join(home.path, 'store'), dataRoots: [DATASETS], onEvent: (e) => events.push(e) });

    expect(search.status).toBe('succeeded');
    expect(trials).toHaveLength(3);
    expect(trials.every((t) => t.status === 'completed' && t.attempts === 1)).toBe(true);
    for (const t of trials) {
      expect(Object.keys(t.folds ?? {})).toEqual(['0', '1', '2']);
      expect(t.metrics?.accuracy).toBeGreaterThan(0.5);
      expect(t.durationMs).toBeGreaterThan(0);
    }
    expect(search.modelVersion).toEqual({ name: 'iris-e2e', version: 1 });
    expect(search.best?.value).toBe(Math.max(...trials.map((t) => t.value as number)));

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('SearchStarted');
    expect(types.filter((t) => t === 'TrialCompleted')).toHaveLength(3);
    expect(types.slice(-2)).toEqual(['ModelVersionRegistered', 'SearchSucceeded']);

    // The registered artifacts reproduce the recorded test score.
    const store = await openLocalStore(join(home.path, 'store'));
    try {
      const prefix = `models/iris-e2e/versions/1/`;
      const stored = await store.artifacts.list(prefix);
      expect(stored.filter((k) => !k.startsWith(`${prefix}code/`))).toEqual(
        ['architecture.json', 'metrics.json', 'model.json', 'preprocessor.json', 'weights.bin'].map((f) => prefix + f),
      );
      expect(stored).toEqual(expect.arrayContaining(['keras/model.py', 'pytorch/model.py', 'tfjs/model.ts'].map((f) => `${prefix}code/${f}`)));
      // The edge bundle was written as the search finished.
      expect(await store.artifacts.get('deployments/iris-e2e/1/manifest.json')).toBeDefined();
      const [version] = await store.metadata.listModelVersions('iris-e2e');
      expect(version).toMatchObject({ version: 1, searchId: search.searchId, trial: search.final?.trial, artifactPrefix: prefix });
      const preprocessor = JSON.parse(new TextDecoder().decode(await store.artifacts.get(`${prefix}preprocessor.json`))) as Preprocessor;
      const model = await loadModel(store.artifacts, prefix);
      const context = buildContext(search.spec, search.dataset.uri, parseTable(await readFile(new URL(search.dataset.uri), 'utf8'), 'iris.csv'));
      const test = encodeExamples(preprocessor, context.problem, context.plan.test);
      const metrics = classificationMetrics(test.y, predict(model, test, preprocessor.inputShape), 3);
      model.dispose();
      expect(metrics.accuracy).toBeCloseTo(search.final?.testMetrics.accuracy as number, 10);
      const log = (await readFile(join(home.path, 'store', 'events.jsonl'), 'utf8')).trim().split('\n');
      expect(log.length).toBeGreaterThanOrEqual(events.length);
    } finally {
      await store.close();
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  it('lets a lane go on while the other lane trains a slower trial', async () => {
    const spec = irisSpec({
      name: 'iris-lanes',
      evaluation: { folds: 3, patience: 1000 },
      space: { family: 'mlp', learningRate: 0.02, batchSize: 16, epochs: [60, 2, 3, 4], mlp: { layers: 1, units: 8, dropout: 0 } },
      strategy: 'grid',
      budget: { maxTrials: 4, maxParallel: 2 },
      // This seed's grid order puts the 60-epoch trial first.
      seed: 6,
    });
    const { search, trials } = await runLocalSearch(await writeSpec('iris-lanes', spec), { home: join(home.path, 'store'), dataRoots: [DATASETS], workers: 2 });
    expect(search.status).toBe('succeeded');
    expect(trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    const at = (iso: string | undefined) => Date.parse(iso as string);
    expect(trials[0]?.assignment.epochs).toBe(60);
    // While the long trial trained, the other lane proposed and finished further trials; in
    // rounds, nothing is proposed until every trial of the round has ended.
    const [slow, ...short] = trials as [TrialRecord, ...TrialRecord[]];
    const meanwhile = short.filter((t) => at(t.proposedAt) > at(slow.startedAt) && at(t.finishedAt) < at(slow.finishedAt));
    const timeline = trials.map((t) => `${t.number}: epochs ${String(t.assignment.epochs)} proposed ${t.proposedAt} ran ${t.startedAt} to ${t.finishedAt}`);
    expect(meanwhile.length, timeline.join('\n')).toBeGreaterThanOrEqual(1);
    expect(new Set(trials.map((t) => t.heldBy?.lane))).toEqual(new Set([0, 1]));
  }, 120_000);

  it('numbers a second search of the same model as version 2', async () => {
    const path = await writeSpec('iris2', irisSpec({ budget: { maxTrials: 1, maxParallel: 1 } }));
    const { search } = await runLocalSearch(path, { home: join(home.path, 'store'), dataRoots: [DATASETS] });
    expect(search.modelVersion).toEqual({ name: 'iris-e2e', version: 2 });
  });

  it('records a diverging trial as failed and keeps searching', async () => {
    const path = await writeSpec('diabetes', {
      name: 'diverge',
      task: 'regression',
      dataset: { uri: join(DATASETS, 'diabetes.csv'), target: 'progression' },
      evaluation: { folds: 3, patience: 3 },
      space: { family: 'mlp', learningRate: 10, optimizer: ['sgd', 'adam'], batchSize: 16, epochs: 5, mlp: { layers: 2, units: 64, dropout: 0 } },
      strategy: 'grid',
      budget: { maxTrials: 2, maxParallel: 2 },
    });
    const { search, trials } = await runLocalSearch(path, { home: join(home.path, 'store'), dataRoots: [DATASETS] });
    const failed = trials.find((t) => t.assignment.optimizer === 'sgd');
    expect(failed).toMatchObject({ status: 'failed', error: { name: 'NonFiniteLossError' } });
    expect(failed?.error?.message).toMatch(/loss became NaN in epoch 1 .*try a lower learning rate/);
    expect(trials.find((t) => t.assignment.optimizer === 'adam')?.status).toBe('completed');
    expect(search.status).toBe('succeeded');
  });

  it('rejects constraints no candidate can meet before writing anything', async () => {
    const path = await writeSpec('tiny', irisSpec({ constraints: { maxParams: 10 } }));
    const fresh = join(home.path, 'untouched');
    const error = await runLocalSearch(path, { home: fresh, dataRoots: [DATASETS] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfeasibleSpaceError);
    expect((error as Error).message).toMatch(/^constraints: no candidate in the space meets maxParams 10; the smallest of \d+ sampled has \d+ parameters and [\d,]+ FLOPs/);
    await expect(readFile(join(fresh, 'events.jsonl'))).rejects.toThrow(/ENOENT/);
  });

  it('fails the search with the reason when every trial breaks the latency limit', async () => {
    const path = await writeSpec('slow', irisSpec({ name: 'too-slow', constraints: { maxLatencyMs: 1e-6 }, budget: { maxTrials: 2, maxParallel: 2 } }));
    const { search, trials } = await runLocalSearch(path, { home: join(home.path, 'store'), dataRoots: [DATASETS] });
    expect(trials.every((t) => t.status === 'infeasible' && /measured latency .* exceeds constraints\.maxLatencyMs/.test(t.reason ?? ''))).toBe(true);
    expect(search.status).toBe('failed');
    expect(search.error).toMatchObject({ name: 'SearchError', message: expect.stringMatching(/^no trial completed: 2 infeasible/) });
  });

  it('stops proposing once the estimated cost reaches budget.maxCostUsd', async () => {
    const path = await writeSpec('cost', irisSpec({ name: 'cost-capped', budget: { maxTrials: 6, maxParallel: 2, maxCostUsd: 1e-9 } }));
    const { search, trials } = await runLocalSearch(path, { home: join(home.path, 'store'), dataRoots: [DATASETS] });
    expect(trials).toHaveLength(2);
    expect(search.status).toBe('succeeded');
    expect(search.stopReason).toMatch(/^reached budget\.maxCostUsd \(estimated \$0\.\d+ of \$1e-9\)$/);
    expect(search.costUsd).toBeCloseTo(trials.reduce((s, t) => s + (t.costUsd ?? 0), 0), 12);
  });

  it('resumes a stopped search without repeating finished trials', async () => {
    const path = await writeSpec('resume', irisSpec({ name: 'resumable', budget: { maxTrials: 4, maxParallel: 1 } }));
    const controller = new AbortController();
    let searchId = '';
    const stopped = await runLocalSearch(path, {
      home: join(home.path, 'store'),
      dataRoots: [DATASETS],
      signal: controller.signal,
      onStart: (info) => (searchId = info.searchId),
      onEvent: (e) => {
        if (e.type === 'TrialCompleted' && e.detail.trial === 1) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(Error);
    const store = await openLocalStore(join(home.path, 'store'));
    const before = await store.metadata.listTrials(searchId);
    expect((await store.metadata.getSearch(searchId))?.status).toBe('running');
    await store.close();
    const finishedBefore = before.filter((t) => t.status === 'completed').map((t) => t.number);
    expect(finishedBefore).toContain(1);

    const { search, trials } = await resumeLocalSearch(searchId, { home: join(home.path, 'store') });
    expect(search.status).toBe('succeeded');
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    for (const n of finishedBefore) {
      const t = trials[n];
      expect(t?.attempts).toBe(1);
      expect(t?.finishedAt).toBe(before[n]?.finishedAt);
    }
  });
});
