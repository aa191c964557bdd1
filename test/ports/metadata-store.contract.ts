/**
 * The metadata store contract: every adapter of the metadata port runs these tests.
 */
import { withAdapter, type Opened } from './contract.js';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import type { SearchRecord, TrialRecord } from '../../src/ports/records.js';
import { irisSpec } from '../helpers.js';

export function metadataStoreContract(name: string, open: () => Promise<Opened<MetadataStore>>) {
  describe(`${name} metadata store contract`, () => {
    let counter = 0;
    const search = (overrides: Partial<SearchRecord> = {}): SearchRecord => ({
      searchId: `s-${Date.now()}-${counter++}`,
      name: 'iris',
      status: 'running',
      spec: irisSpec(),
      source: 'iris.yaml',
      dataset: { uri: 'file:///data/iris.csv', rows: 150, examples: 150, inputShape: [4], classes: ['a', 'b', 'c'], development: 120, test: 30 },
      objective: { metric: 'accuracy', direction: 'maximize' },
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, counter)).toISOString(),
      updatedAt: '2026-01-01T00:00:00.000Z',
      trialCount: 0,
      runs: 1,
      ...overrides,
    });
    const trial = (searchId: string, number: number): TrialRecord => ({
      searchId,
      number,
      assignment: { family: 'mlp', learningRate: 0.01, 'mlp.units': 8 },
      status: 'proposed',
      attempts: 0,
      proposedAt: '2026-01-01T00:00:00.000Z',
    });

    const withStore = withAdapter(open);

    it(
      'creates a search once and reads it back',
      withStore(async (store) => {
        const s = search();
        await store.createSearch(s);
        expect(await store.getSearch(s.searchId)).toEqual(s);
        await expect(store.createSearch(s)).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getSearch('missing')).toBeUndefined();
      }),
    );

    it(
      'updates fields and lists searches newest first',
      withStore(async (store) => {
        const older = search();
        const newer = search();
        await store.createSearch(older);
        await store.createSearch(newer);
        await store.updateSearch(older.searchId, { status: 'succeeded', best: { trial: 1, value: 0.9, metrics: { accuracy: 0.9 } }, strategyState: { cursor: 3 } });
        const got = await store.getSearch(older.searchId);
        expect(got).toMatchObject({ status: 'succeeded', best: { trial: 1, value: 0.9 }, strategyState: { cursor: 3 } });
        const ids = (await store.listSearches()).map((s) => s.searchId);
        expect(ids.indexOf(newer.searchId)).toBeLessThan(ids.indexOf(older.searchId));
      }),
    );

    it(
      'records a trial outcome exactly once',
      withStore(async (store) => {
        const s = search();
        await store.createSearch(s);
        await store.putTrials([trial(s.searchId, 0), trial(s.searchId, 1)]);
        await store.putTrials([{ ...trial(s.searchId, 0), assignment: { family: 'other' } }]);
        expect((await store.getTrial(s.searchId, 0))?.assignment.family).toBe('mlp');

        const started = await store.startTrial(s.searchId, 0, '2026-01-01T00:00:01.000Z', { backend: 'wasm' });
        expect(started).toMatchObject({ status: 'running', attempts: 1, backend: 'wasm' });
        // A redelivered task starts it again and counts the attempt.
        expect((await store.startTrial(s.searchId, 0, '2026-01-01T00:00:02.000Z')).attempts).toBe(2);

        await store.recordFold(s.searchId, 0, 0, { metrics: { accuracy: 0.8 }, bestEpoch: 3, stoppedEarly: true, loss: [1, 0.5], valLoss: [1.1, 0.6] });
        await store.recordFold(s.searchId, 0, 0, { metrics: { accuracy: 0.8 }, bestEpoch: 3, stoppedEarly: true, loss: [1, 0.5], valLoss: [1.1, 0.6] });
        const first = await store.finishTrial(s.searchId, 0, { status: 'completed', value: 0.8, metrics: { accuracy: 0.8 }, finishedAt: 'a', durationMs: 5 });
        const second = await store.finishTrial(s.searchId, 0, { status: 'failed', error: { name: 'X', message: 'late' }, finishedAt: 'b' });
        expect([first, second]).toEqual([true, false]);
        const recorded = await store.getTrial(s.searchId, 0);
        expect(recorded).toMatchObject({ status: 'completed', value: 0.8, finishedAt: 'a', folds: { '0': { bestEpoch: 3, loss: [1, 0.5] } } });
        expect(recorded?.error).toBeUndefined();
        await expect(store.startTrial(s.searchId, 0, 'c')).rejects.toBeInstanceOf(ConflictError);
        // Late fold writes of a finished trial change nothing.
        await store.recordFold(s.searchId, 0, 1, { metrics: {}, bestEpoch: 1, stoppedEarly: false, loss: [], valLoss: [] });
        expect(Object.keys((await store.getTrial(s.searchId, 0))?.folds ?? {})).toEqual(['0']);
        expect((await store.listTrials(s.searchId)).map((t) => [t.number, t.status])).toEqual([
          [0, 'completed'],
          [1, 'proposed'],
        ]);
      }),
    );

    it(
      'lets one of several concurrent proposals advance the trial count',
      withStore(async (store) => {
        const s = search({ trialCount: 3 });
        await store.createSearch(s);
        const outcomes = await Promise.all([4, 5, 6].map((next) => store.advanceSearch(s.searchId, 3, { trialCount: next, strategyState: { next } })));
        expect(outcomes.filter(Boolean)).toHaveLength(1);
        const winner = [4, 5, 6][outcomes.indexOf(true)];
        expect(await store.getSearch(s.searchId)).toMatchObject({ trialCount: winner, strategyState: { next: winner } });
        // A proposal made from the old count changes nothing.
        expect(await store.advanceSearch(s.searchId, 3, { trialCount: 9 })).toBe(false);
        expect(await store.getSearch(s.searchId)).toMatchObject({ trialCount: winner });
        expect(await store.advanceSearch('missing', 0, { trialCount: 1 })).toBe(false);
      }),
    );

    it(
      'hands an unfinished trial to one lane at a time, and a finished one to none',
      withStore(async (store) => {
        const s = search();
        await store.createSearch(s);
        await store.putTrials([trial(s.searchId, 0), { ...trial(s.searchId, 1), heldBy: { run: 1, lane: 0 } }]);
        // Two lanes of a new run race for the unheld trial: one wins.
        const races = await Promise.all([0, 1].map((lane) => store.assignTrial(s.searchId, 0, { run: 2, lane }, undefined)));
        expect(races.filter(Boolean)).toHaveLength(1);
        expect((await store.getTrial(s.searchId, 0))?.heldBy).toEqual({ run: 2, lane: races.indexOf(true) });
        // Taking over from the wrong holder fails; from the right one succeeds.
        expect(await store.assignTrial(s.searchId, 1, { run: 2, lane: 1 }, { run: 1, lane: 1 })).toBe(false);
        expect(await store.assignTrial(s.searchId, 1, { run: 2, lane: 1 }, undefined)).toBe(false);
        expect(await store.assignTrial(s.searchId, 1, { run: 2, lane: 1 }, { run: 1, lane: 0 })).toBe(true);
        expect((await store.getTrial(s.searchId, 1))?.heldBy).toEqual({ run: 2, lane: 1 });
        await store.finishTrial(s.searchId, 1, { status: 'completed', value: 1, finishedAt: 'a' });
        expect(await store.assignTrial(s.searchId, 1, { run: 3, lane: 0 }, { run: 2, lane: 1 })).toBe(false);
        expect(await store.assignTrial(s.searchId, 7, { run: 3, lane: 0 }, undefined)).toBe(false);
      }),
    );

    it(
      'stores non-finite metric values as null rather than failing',
      withStore(async (store) => {
        const s = search();
        await store.createSearch(s);
        await store.putTrials([trial(s.searchId, 0)]);
        expect(await store.finishTrial(s.searchId, 0, { status: 'completed', value: 1, metrics: { accuracy: 1, log_loss: Number.NaN } })).toBe(true);
        expect((await store.getTrial(s.searchId, 0))?.metrics).toEqual({ accuracy: 1, log_loss: null });
      }),
    );

    it(
      'numbers model versions per name',
      withStore(async (store) => {
        const base = {
          searchId: 's',
          trial: 0,
          createdAt: 'now',
          stage: 'none' as const,
          family: 'mlp',
          assignment: {},
          metrics: {},
          testMetrics: {},
          cost: { params: 1, flops: 2 },
          artifactPrefix: '',
          files: {},
        };
        const name = `m${counter++}`;
        const v1 = await store.registerModelVersion({ ...base, name });
        const v2 = await store.registerModelVersion({ ...base, name });
        const other = await store.registerModelVersion({ ...base, name: `${name}-other` });
        expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
        await store.updateModelVersion(name, 2, { artifactPrefix: `models/${name}/versions/2/`, files: { 'model.json': null } });
        const versions = await store.listModelVersions(name);
        expect(versions.map((v) => [v.version, v.artifactPrefix])).toEqual([
          [1, ''],
          [2, `models/${name}/versions/2/`],
        ]);
        expect((await store.listModels()).find((m) => m.name === name)).toEqual({ name, latestVersion: 2, productionHistory: [], revision: 0 });

        // Stage pointers change only from the revision the writer read.
        expect(await store.setModelStages(name, { production: 1, productionHistory: [1] }, 0)).toBe(true);
        expect(await store.setModelStages(name, { production: 2, productionHistory: [1, 2] }, 0)).toBe(false);
        expect(await store.getModel(name)).toEqual({ name, latestVersion: 2, production: 1, productionHistory: [1], revision: 1 });
        expect(await store.setModelStages(name, { production: 2, staging: 1, productionHistory: [1, 2] }, 1)).toBe(true);
        expect(await store.setModelStages(name, { production: 2, productionHistory: [1, 2] }, 2)).toBe(true);
        expect(await store.getModel(name)).toEqual({ name, latestVersion: 2, production: 2, productionHistory: [1, 2], revision: 3 });
        // Registering a version keeps the stages.
        await store.registerModelVersion({ ...base, name });
        expect(await store.getModel(name)).toMatchObject({ latestVersion: 3, production: 2, revision: 3 });
        expect(await store.getModel(`${name}-missing`)).toBeUndefined();
        expect(await store.setModelStages(`${name}-missing`, { productionHistory: [] }, 0)).toBe(false);
      }),
    );
  });
}
