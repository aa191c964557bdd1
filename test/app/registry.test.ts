/**
 * The model registry on the embedded store: stages move with promotions, rollback returns
 * production to the version that served before, bad requests name what is wrong and change
 * nothing, and concurrent changes do not lose each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelVersions, parseVersionRef, promoteVersion, resolveVersion, rollbackModel } from '../../src/app/registry.js';
import type { Services } from '../../src/app/services.js';
import { ConflictError, InputError, NotFoundError } from '../../src/core/errors.js';
import type { SearchEvent } from '../../src/ports/event-bus.js';
import type { LocalStore } from '../../src/runtime/local/store.js';
import { localTestServices, type LocalTestServices } from '../support/local-services.js';

let local: LocalTestServices;
let store: LocalStore;
let services: Services;
const events: SearchEvent[] = [];

beforeAll(async () => {
  local = await localTestServices();
  ({ store, services } = local);
  store.events.subscribe((e) => events.push(e));
});
afterAll(() => local.close());

async function registerVersions(name: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await store.metadata.registerModelVersion({
      name,
      searchId: `${name}-search-${i + 1}`,
      trial: i,
      createdAt: '2026-12-03T10:00:00Z',
      stage: 'none',
      family: 'mlp',
      assignment: {},
      metrics: { accuracy: 0.9 + i / 100 },
      testMetrics: {},
      cost: { params: 10, flops: 20 },
      artifactPrefix: `models/${name}/versions/${i + 1}/`,
      files: {},
    });
  }
}

const stages = async (name: string) => (await modelVersions(services, name)).map((v) => `${v.version}:${v.stage}`);

describe('model registry', () => {
  it('promotes through staging to production and rolls back', async () => {
    await registerVersions('reg', 3);
    expect(await stages('reg')).toEqual(['1:none', '2:none', '3:none']);
    await expect(resolveVersion(services, 'reg', 'production')).rejects.toThrow(/no production version/);

    await promoteVersion(services, { name: 'reg', version: 1, stage: 'production' });
    await promoteVersion(services, { name: 'reg', version: 2, stage: 'staging' });
    expect(await stages('reg')).toEqual(['1:production', '2:staging', '3:none']);
    const promoted = await promoteVersion(services, { name: 'reg', version: 2, stage: 'production' });
    expect(promoted).toMatchObject({ version: 2, stage: 'production', previous: 1 });
    expect(await stages('reg')).toEqual(['1:none', '2:production', '3:none']);
    await promoteVersion(services, { name: 'reg', version: 3, stage: 'production' });
    expect((await resolveVersion(services, 'reg', 'production')).version).toBe(3);
    // Version records mirror the stages for readers of the raw records.
    expect((await store.metadata.listModelVersions('reg')).map((v) => v.stage)).toEqual(['none', 'none', 'production']);

    const back = await rollbackModel(services, { name: 'reg' });
    expect(back).toMatchObject({ version: 2, stage: 'production', previous: 3 });
    expect(await stages('reg')).toEqual(['1:none', '2:production', '3:none']);
    await rollbackModel(services, { name: 'reg', to: 1 });
    expect((await resolveVersion(services, 'reg', 'production')).version).toBe(1);
    expect((await store.metadata.getModel('reg'))?.productionHistory).toEqual([1]);
    await expect(rollbackModel(services, { name: 'reg' })).rejects.toThrow(/no earlier production version/);

    const changes = events.filter((e) => e.type === 'ModelStageChanged').map((e) => e.detail);
    expect(changes.map((d) => `${d.reason} ${d.version}->${d.stage}`)).toEqual([
      'promote 1->production',
      'promote 2->staging',
      'promote 2->production',
      'promote 3->production',
      'rollback 2->production',
      'rollback 1->production',
    ]);
    expect(events.find((e) => e.type === 'ModelStageChanged')?.searchId).toBe('reg-search-1');
  });

  it('rejects impossible changes with a reason and leaves the stages as they were', async () => {
    await registerVersions('bad', 2);
    await promoteVersion(services, { name: 'bad', version: 1, stage: 'production' });
    const before = await store.metadata.getModel('bad');
    await expect(promoteVersion(services, { name: 'bad', version: 7, stage: 'production' })).rejects.toThrow(new NotFoundError('model bad has no version 7 (it has 1 to 2)'));
    await expect(promoteVersion(services, { name: 'bad', version: 1, stage: 'staging' })).rejects.toThrow(ConflictError);
    await expect(rollbackModel(services, { name: 'bad', to: 2 })).rejects.toThrow(/never served production/);
    await expect(promoteVersion(services, { name: 'nope', version: 1, stage: 'production' })).rejects.toThrow(NotFoundError);
    expect(await store.metadata.getModel('bad')).toEqual(before);
    // Promoting to the stage a version already holds changes nothing.
    expect(await promoteVersion(services, { name: 'bad', version: 1, stage: 'production' })).toMatchObject({ version: 1, stage: 'production' });
    expect(await store.metadata.getModel('bad')).toEqual(before);
  });

  it('applies concurrent promotions one after the other', async () => {
    await registerVersions('race', 4);
    await Promise.all([2, 3, 4].map((version) => promoteVersion(services, { name: 'race', version, stage: 'production' })));
    const model = await store.metadata.getModel('race');
    expect([...(model?.productionHistory ?? [])].sort()).toEqual([2, 3, 4]);
    expect(model?.production).toBe(model?.productionHistory.at(-1));
    expect(model?.revision).toBe(3);
  });

  it('parses version references', () => {
    expect(parseVersionRef('iris')).toEqual({ name: 'iris', ref: 'production' });
    expect(parseVersionRef('iris@3')).toEqual({ name: 'iris', ref: 3 });
    expect(parseVersionRef('iris@staging')).toEqual({ name: 'iris', ref: 'staging' });
    expect(parseVersionRef('iris', 'latest')).toEqual({ name: 'iris', ref: 'latest' });
    expect(() => parseVersionRef('iris@0')).toThrow(InputError);
    expect(() => parseVersionRef('iris@best')).toThrow(/not a version/);
  });
});
