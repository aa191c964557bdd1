/**
 * RunTrial as a task the workflow may deliver more than once: the second delivery of a
 * finished trial returns the recorded outcome without training or recording again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposeTrial } from '../../src/app/propose-trial.js';
import { runTrial } from '../../src/app/run-trial.js';
import type { Services } from '../../src/app/services.js';
import { startSearch } from '../../src/app/start-search.js';
import type { SearchEvent } from '../../src/ports/event-bus.js';
import type { LocalStore } from '../../src/runtime/local/store.js';
import { DATASETS, irisSpecInput } from '../helpers.js';
import { localTestServices, type LocalTestServices } from '../support/local-services.js';

let local: LocalTestServices;
let store: LocalStore;
const events: SearchEvent[] = [];
let services: Services;

beforeAll(async () => {
  local = await localTestServices({ backend: 'auto' });
  ({ store, services } = local);
  store.events.subscribe((e) => events.push(e));
});
afterAll(() => local.close());

describe('RunTrial delivered twice', () => {
  it('trains once and records once', async () => {
    const spec = irisSpecInput({ evaluation: { folds: 2 } } as never);
    await startSearch(services, { searchId: 'twice', spec, source: 'inline', base: DATASETS });
    const step = await proposeTrial(services, { searchId: 'twice', run: 1, lane: 0 });
    expect(step).toMatchObject({ action: 'run', trial: { searchId: 'twice', number: 0, compute: 'lambda' } });

    const first = await runTrial(services, { searchId: 'twice', number: 0 });
    const recorded = await store.metadata.getTrial('twice', 0);
    const second = await runTrial(services, { searchId: 'twice', number: 0 });
    expect(second).toEqual(first);
    expect(await store.metadata.getTrial('twice', 0)).toEqual(recorded);
    expect(recorded?.attempts).toBe(1);
    expect(events.filter((e) => e.type === 'TrialCompleted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'TrialStarted')).toHaveLength(1);
  });

  it('runs concurrently delivered copies without recording two outcomes', async () => {
    const spec = irisSpecInput({ name: 'iris-concurrent', evaluation: { folds: 2 } } as never);
    await startSearch(services, { searchId: 'concurrent', spec, source: 'inline', base: DATASETS });
    await proposeTrial(services, { searchId: 'concurrent', run: 1, lane: 0 });
    const before = events.length;
    const [a, b] = await Promise.all([runTrial(services, { searchId: 'concurrent', number: 0 }), runTrial(services, { searchId: 'concurrent', number: 0 })]);
    expect(a.status).toBe('completed');
    expect(b).toEqual(a);
    expect(events.slice(before).filter((e) => e.type === 'TrialCompleted')).toHaveLength(1);
    expect((await store.metadata.getTrial('concurrent', 0))?.attempts).toBe(2);
  });

  it('resumes rather than restarts a search whose id already exists', async () => {
    const again = await startSearch(services, { searchId: 'twice', spec: irisSpecInput(), source: 'inline', base: DATASETS });
    expect(again).toMatchObject({ searchId: 'twice', resumed: true, run: 2 });
    expect(again.lanes).toEqual([{ searchId: 'twice', run: 2, lane: 0 }]);
  });
});

describe('continue-as-new threshold', () => {
  it('hands over before the 25,000-event history limit, sooner for more lanes and more waiting', async () => {
    const { historyEvents, shouldRollOver } = await import('../../src/app/search-stop.js');
    expect(historyEvents(0, 2, 0)).toBe(64);
    expect(shouldRollOver(1000, 2, 0)).toBe(false);
    expect(shouldRollOver(1400, 2, 0)).toBe(false);
    expect(shouldRollOver(1430, 2, 0)).toBe(true);
    expect(shouldRollOver(1000, 2, 400)).toBe(true);
    // Whatever the width, the last trials before handing over stay under the hard limit.
    for (const lanes of [1, 2, 8, 40]) {
      let trials = 0;
      while (!shouldRollOver(trials, lanes, 20)) trials++;
      expect(historyEvents(trials + lanes, lanes, 20)).toBeLessThan(25_000);
      expect(trials).toBeGreaterThan(500);
    }
  });
});
