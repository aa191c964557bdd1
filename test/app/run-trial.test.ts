/**
 * RunTrial as a task the workflow may deliver more than once: the second delivery of a
 * finished trial returns the recorded outcome without training or recording again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposeTrials } from '../../src/app/propose-trials.js';
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
    const round = await proposeTrials(services, { searchId: 'twice' });
    expect(round.trials).toEqual([{ searchId: 'twice', number: 0, compute: 'lambda' }]);

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
    await proposeTrials(services, { searchId: 'concurrent' });
    const before = events.length;
    const [a, b] = await Promise.all([runTrial(services, { searchId: 'concurrent', number: 0 }), runTrial(services, { searchId: 'concurrent', number: 0 })]);
    expect(a.status).toBe('completed');
    expect(b).toEqual(a);
    expect(events.slice(before).filter((e) => e.type === 'TrialCompleted')).toHaveLength(1);
    expect((await store.metadata.getTrial('concurrent', 0))?.attempts).toBe(2);
  });

  it('resumes rather than restarts a search whose id already exists', async () => {
    const again = await startSearch(services, { searchId: 'twice', spec: irisSpecInput(), source: 'inline', base: DATASETS });
    expect(again).toEqual({ searchId: 'twice', resumed: true, firstRound: 1 });
  });
});

describe('continue-as-new threshold', () => {
  it('hands over before the 25,000-event history limit, sooner for wider rounds', async () => {
    const { eventsPerRound, shouldRollOver } = await import('../../src/app/record-round.js');
    expect(eventsPerRound(2)).toBe(49);
    expect(shouldRollOver(400, 2)).toBe(false);
    expect(shouldRollOver(408, 2)).toBe(true);
    expect(shouldRollOver(38, 40)).toBe(false);
    expect(shouldRollOver(39, 40)).toBe(true);
    // Whatever the width, the last round before handing over stays under the hard limit.
    for (const width of [1, 2, 8, 40]) {
      let rounds = 0;
      while (!shouldRollOver(rounds, width)) rounds++;
      expect((rounds + 1) * eventsPerRound(width)).toBeLessThan(25_000);
    }
  });
});
