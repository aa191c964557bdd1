/**
 * The richer strategies inside a real local search: multi-fidelity trials with promotions,
 * several objectives with a Pareto front, median pruning, and warm starts from an earlier
 * search. Tiny budgets keep each search to seconds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { assignmentKey } from '../../src/core/space/space.js';
import { runLocalSearch } from '../../src/runtime/local/engine.js';
import { DATASETS, tempDir } from '../helpers.js';

let home: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => (home = await tempDir()));
afterAll(() => home.cleanup());

const base = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  task: 'classification',
  dataset: { uri: join(DATASETS, 'iris.csv'), target: 'species' },
  evaluation: { folds: 2, patience: 4 },
  space: { family: 'mlp', learningRate: { min: 0.003, max: 0.05, log: true }, batchSize: 16, epochs: 9, mlp: { layers: 1, units: [4, 8, 16, 32], dropout: 0 } },
  budget: { maxTrials: 6, maxParallel: 2 },
  seed: 2,
  ...extra,
});

async function search(spec: Record<string, unknown>) {
  const path = join(home.path, `${String(spec.name)}.yaml`);
  await writeFile(path, stringify(spec));
  return runLocalSearch(path, { home: join(home.path, 'store'), dataRoots: [DATASETS] });
}

describe('strategies inside a search', () => {
  it('hyperband trains at growing budgets and picks the best from the largest', async () => {
    const { search: s, trials } = await search(base('hyperband', { strategy: { name: 'hyperband', minEpochs: 1, reductionFactor: 3 }, budget: { maxTrials: 13, maxParallel: 2 } }));
    expect(s.status).toBe('succeeded');
    expect(s.strategy).toBe('hyperband');
    expect(new Set(trials.map((t) => t.fidelity))).toEqual(new Set([1, 3, 9]));
    const promoted = trials.filter((t) => t.promotes !== undefined);
    expect(promoted.length).toBeGreaterThan(0);
    for (const t of promoted) {
      const parent = trials[t.promotes as number];
      expect(assignmentKey(t.assignment)).toBe(assignmentKey(parent?.assignment ?? {}));
      expect(t.fidelity).toBeGreaterThan(parent?.fidelity ?? Infinity);
      // A promotion continues from its parent's checkpoint and trains only the difference.
      if (t.status === 'completed' && parent?.status === 'completed') {
        expect(t.resumedFrom).toBe(parent.number);
        for (const fold of Object.values(t.folds ?? {})) expect(fold.loss.length).toBeLessThanOrEqual((t.fidelity as number) - (parent.fidelity as number));
      }
    }
    expect(trials.some((t) => t.resumedFrom !== undefined)).toBe(true);
    for (const t of trials.filter((t) => t.status === 'completed')) {
      expect(t.epochsTrained).toBe(Object.values(t.folds ?? {}).reduce((n, f) => n + f.loss.length, 0));
    }
    const best = trials[s.final?.trial as number];
    expect(best?.fidelity).toBe(Math.max(...trials.filter((t) => t.status === 'completed').map((t) => t.fidelity ?? 0)));
    for (const t of trials.filter((t) => t.status === 'completed')) {
      for (const fold of Object.values(t.folds ?? {})) expect(fold.loss.length).toBeLessThanOrEqual(t.fidelity as number);
    }
  });

  it('records every objective and the Pareto front of a multi-objective search', async () => {
    const { search: s, trials } = await search(base('pareto', { objective: [{ metric: 'accuracy' }, { metric: 'params' }], strategy: 'random' }));
    expect(s.status).toBe('succeeded');
    expect(s.objectives).toEqual([
      { metric: 'accuracy', direction: 'maximize' },
      { metric: 'params', direction: 'minimize' },
    ]);
    const completed = trials.filter((t) => t.status === 'completed');
    for (const t of completed) expect(t.values).toEqual([t.metrics?.accuracy, t.cost?.params]);
    const front = new Set(s.paretoFront);
    expect(front.size).toBeGreaterThan(0);
    // Nothing off the front is better on both objectives than something on it.
    for (const t of completed.filter((t) => !front.has(t.number))) {
      const dominated = completed.some((f) => front.has(f.number) && (f.values?.[0] as number) >= (t.values?.[0] as number) && (f.values?.[1] as number) <= (t.values?.[1] as number));
      expect(dominated).toBe(true);
    }
  });

  it('prunes trials whose validation loss trails the median of earlier ones', async () => {
    const spec = base('pruned', {
      strategy: 'random',
      pruner: { name: 'median', warmupEpochs: 1, minTrials: 1 },
      space: { family: 'mlp', learningRate: { min: 0.0001, max: 0.05, log: true }, batchSize: 16, epochs: 12, mlp: { layers: 1, units: [2, 32], dropout: 0 } },
      budget: { maxTrials: 8, maxParallel: 1 },
    });
    const { search: s, trials } = await search(spec);
    expect(s.status).toBe('succeeded');
    const pruned = trials.filter((t) => t.status === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) {
      expect(t.reason).toMatch(/^pruned after epoch \d+: its validation loss [\d.]+ is worse than the median of earlier trials$/);
      expect(t.value).toBeUndefined();
    }
  });

  it('warm-starts from an earlier search over the same space, never repeating its points', async () => {
    const grid = { name: 'grid', gridPoints: 2 };
    const first = await search(base('warm-a', { strategy: grid, budget: { maxTrials: 4, maxParallel: 2 } }));
    const second = await search(base('warm-b', { strategy: grid, warmStart: { from: [first.search.searchId] }, budget: { maxTrials: 4, maxParallel: 2 } }));
    const seen = new Set(first.trials.map((t) => assignmentKey(t.assignment)));
    expect(second.trials).toHaveLength(4);
    expect(second.trials.some((t) => seen.has(assignmentKey(t.assignment)))).toBe(false);
  });

  it('refuses a warm start from a search over another space', async () => {
    const first = await search(base('other-space', { strategy: 'random', budget: { maxTrials: 1, maxParallel: 1 } }));
    const spec = base('mismatch', { warmStart: { from: [first.search.searchId, 'no-such-search'] }, space: { family: 'mlp', epochs: 5 } });
    const error = await search(spec).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/warmStart\.from\[0\]: search .* searched a different space/);
    expect(String((error as Error).message)).toMatch(/warmStart\.from\[1\]: no search no-such-search to start from/);
  });
});
