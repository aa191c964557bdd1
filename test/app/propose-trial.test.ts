/**
 * ProposeTrial, the step every workflow lane loops on, against the embedded store: lanes
 * proposing at the same moment, a redelivered step, an execution taking over what an
 * earlier one left, a proposal interrupted between its two writes, a multi-fidelity rung
 * that makes lanes wait, and the budget. Trials are finished by hand; nothing trains.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposeTrial, type LaneStep } from '../../src/app/propose-trial.js';
import { recordProgress } from '../../src/app/record-progress.js';
import { startSearch } from '../../src/app/start-search.js';
import { assignmentKey } from '../../src/core/space/space.js';
import type { SearchRecord } from '../../src/ports/records.js';
import { DATASETS, irisSpecInput } from '../helpers.js';
import { localTestServices, type LocalTestServices } from '../support/local-services.js';

let local: LocalTestServices;
beforeAll(async () => (local = await localTestServices()));
afterAll(() => local.close());

const gridSpec = (name: string, maxTrials: number, maxParallel: number) =>
  irisSpecInput({
    name,
    space: { family: 'mlp', epochs: 5, learningRate: [0.001, 0.01, 0.1], mlp: { layers: 1, units: [4, 8, 16, 32] } },
    strategy: 'grid',
    budget: { maxTrials, maxParallel },
  } as never);

async function start(searchId: string, spec: unknown) {
  return startSearch(local.services, { searchId, spec, source: 'inline', base: DATASETS });
}

const lanesOf = (searchId: string, run: number, count: number) => Array.from({ length: count }, (_, lane) => ({ searchId, run, lane }));
const search = async (searchId: string) => (await local.store.metadata.getSearch(searchId)) as SearchRecord;
const complete = (searchId: string, number: number, value: number) =>
  local.store.metadata.finishTrial(searchId, number, { status: 'completed', value, metrics: { accuracy: value }, finishedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000 });

describe('lanes proposing at the same moment', () => {
  it('get distinct trials, the same ones one lane would have proposed in turn', async () => {
    await start('lanes-at-once', gridSpec('lanes-at-once', 12, 4));
    const steps = await Promise.all(lanesOf('lanes-at-once', 1, 4).map((lane) => proposeTrial(local.services, lane)));
    expect(steps.map((s) => s.action)).toEqual(['run', 'run', 'run', 'run']);
    expect(steps.map((s) => s.trial?.number).sort()).toEqual([0, 1, 2, 3]);
    const trials = await local.store.metadata.listTrials('lanes-at-once');
    for (const step of steps) expect(trials[step.trial?.number as number]?.heldBy).toEqual({ run: 1, lane: step.lane });
    expect(await search('lanes-at-once')).toMatchObject({ trialCount: 4 });

    await start('lanes-in-turn', gridSpec('lanes-in-turn', 12, 4));
    const inTurn: LaneStep[] = [];
    for (const lane of lanesOf('lanes-in-turn', 1, 4)) inTurn.push(await proposeTrial(local.services, lane));
    const reference = await local.store.metadata.listTrials('lanes-in-turn');
    expect(trials.map((t) => assignmentKey(t.assignment))).toEqual(reference.map((t) => assignmentKey(t.assignment)));
    expect(new Set(trials.map((t) => assignmentKey(t.assignment))).size).toBe(4);
  });

  it('hand a lane its own trial again when its step is delivered twice', async () => {
    const again = await proposeTrial(local.services, { searchId: 'lanes-at-once', run: 1, lane: 2 });
    const held = (await local.store.metadata.listTrials('lanes-at-once')).find((t) => t.heldBy?.lane === 2);
    expect(again).toMatchObject({ action: 'run', trial: { number: held?.number } });
    expect(await search('lanes-at-once')).toMatchObject({ trialCount: 4 });
  });

  it('let a new execution take over what the last one left unfinished, each trial once', async () => {
    await complete('lanes-at-once', 0, 0.9);
    const { run, lanes } = await start('lanes-at-once', undefined);
    expect(run).toBe(2);
    const steps = await Promise.all(lanes.map((lane) => proposeTrial(local.services, lane)));
    // The three unfinished trials go to three lanes; the fourth lane proposes a new one.
    expect(steps.map((s) => s.trial?.number).sort()).toEqual([1, 2, 3, 4]);
    const trials = await local.store.metadata.listTrials('lanes-at-once');
    expect(trials.map((t) => t.heldBy?.run)).toEqual([1, 2, 2, 2, 2]);
    expect(new Set(trials.slice(1).map((t) => t.heldBy?.lane)).size).toBe(4);
  });
});

describe('a proposal interrupted between its two writes', () => {
  it('is recorded by the next step that reads the search', async () => {
    await start('interrupted', gridSpec('interrupted', 12, 2));
    const first = await proposeTrial(local.services, { searchId: 'interrupted', run: 1, lane: 0 });
    // As if lane 1 had won its conditional update and then stopped before writing the trial.
    const lost = { ...(await local.store.metadata.getTrial('interrupted', 0))!, number: 1, assignment: { family: 'mlp', lost: 1 }, heldBy: { run: 1, lane: 1 } };
    expect(await local.store.metadata.advanceSearch('interrupted', 1, { trialCount: 2, lastProposal: [lost] })).toBe(true);
    expect(await local.store.metadata.getTrial('interrupted', 1)).toBeUndefined();

    expect(await proposeTrial(local.services, { searchId: 'interrupted', run: 1, lane: 0 })).toMatchObject({ action: 'run', trial: first.trial });
    expect(await local.store.metadata.getTrial('interrupted', 1)).toMatchObject({ assignment: { lost: 1 }, heldBy: { run: 1, lane: 1 } });
    // The redelivered step of the lane that proposed it finds it.
    expect(await proposeTrial(local.services, { searchId: 'interrupted', run: 1, lane: 1 })).toMatchObject({ action: 'run', trial: { number: 1 } });
  });
});

describe('the strategy and the budget', () => {
  it('make a lane wait while a multi-fidelity rung is pending, then hand out promotions', async () => {
    const spec = irisSpecInput({
      name: 'rung',
      space: { family: 'mlp', epochs: 9, learningRate: { min: 0.001, max: 0.1, log: true }, mlp: { layers: 1, units: [4, 8, 16, 32] } },
      strategy: { name: 'hyperband', minEpochs: 1, reductionFactor: 3 },
      budget: { maxTrials: 40, maxParallel: 20 },
    } as never);
    await start('rung', spec);
    const steps: LaneStep[] = [];
    for (let lane = 0; lane < 20; lane++) {
      const step = await proposeTrial(local.services, { searchId: 'rung', run: 1, lane });
      steps.push(step);
      if (step.action !== 'run') break;
    }
    const waiting = steps.at(-1) as LaneStep;
    expect(waiting).toMatchObject({ action: 'wait', polls: 1 });
    expect(waiting.waitSeconds).toBeGreaterThanOrEqual(1);
    const rung = steps.slice(0, -1).map((s) => s.trial?.number as number);
    expect(rung.length).toBeGreaterThan(1);
    const trials = await local.store.metadata.listTrials('rung');
    expect(new Set(trials.map((t) => t.fidelity))).toEqual(new Set([1]));

    for (const [i, number] of rung.entries()) await complete('rung', number, 0.5 + i / 100);
    const next = await proposeTrial(local.services, { searchId: 'rung', run: 1, lane: waiting.lane, polls: waiting.polls });
    expect(next).toMatchObject({ action: 'run', polls: 1 });
    const promoted = await local.store.metadata.getTrial('rung', next.trial?.number as number);
    expect(promoted?.fidelity).toBe(3);
    // The best of the rung goes up first.
    expect(promoted?.promotes).toBe(rung.at(-1));
  });

  it('stops every lane once the trial budget is taken', async () => {
    await start('budget', gridSpec('budget', 2, 3));
    const steps = await Promise.all(lanesOf('budget', 1, 3).map((lane) => proposeTrial(local.services, lane)));
    expect(steps.map((s) => s.action).sort()).toEqual(['run', 'run', 'stop']);
    expect(steps.find((s) => s.action === 'stop')?.reason).toBe('reached budget.maxTrials (2)');
    expect(await local.store.metadata.listTrials('budget')).toHaveLength(2);
  });

  it('stops after ten failed trials in a row, and the search with it', async () => {
    await start('failing', gridSpec('failing', 12, 1));
    for (let i = 0; i < 10; i++) {
      const step = await proposeTrial(local.services, { searchId: 'failing', run: 1, lane: 0 });
      expect(step.action).toBe('run');
      await local.store.metadata.finishTrial('failing', step.trial?.number as number, { status: 'failed', error: { name: 'NonFiniteLossError', message: 'loss became NaN' }, finishedAt: 'x' });
    }
    expect(await proposeTrial(local.services, { searchId: 'failing', run: 1, lane: 0 })).toMatchObject({ action: 'stop', reason: '10 trials in a row failed' });
    expect(await recordProgress(local.services, { searchId: 'failing' })).toEqual({ searchId: 'failing', continue: false, reason: '10 trials in a row failed' });
    expect(await search('failing')).toMatchObject({ stopReason: '10 trials in a row failed', trialCount: 10 });
  });

  it('continues in a fresh execution when lanes ended with trials left and budget to spend', async () => {
    await start('handover', gridSpec('handover', 6, 2));
    const [a] = await Promise.all(lanesOf('handover', 1, 2).map((lane) => proposeTrial(local.services, lane)));
    await complete('handover', a?.trial?.number as number, 0.8);
    expect(await recordProgress(local.services, { searchId: 'handover' })).toEqual({ searchId: 'handover', continue: true });
    expect(await search('handover')).toMatchObject({ best: { trial: a?.trial?.number, value: 0.8 } });
  });

  it('stops a lane of a search that is no longer running', async () => {
    await start('cancelled', gridSpec('cancelled', 4, 1));
    await local.store.metadata.updateSearch('cancelled', { status: 'cancelled' });
    expect(await proposeTrial(local.services, { searchId: 'cancelled', run: 1, lane: 0 })).toMatchObject({ action: 'stop', reason: 'the search is cancelled' });
    expect(await local.store.metadata.listTrials('cancelled')).toHaveLength(0);
  });
});
