/**
 * The cloud workflow end to end, locally: the state machine taken from the synthesized
 * template runs with aws-local-stepfunctions, each Task bound to its real Lambda handler
 * or the trainer container's entrypoint, against dynalite, s3rver and the EventBridge /
 * Step Functions stand-in. A small search completes, with a trial on the GPU path, a
 * throttled trial that is retried, a trial whose task crashes (recorded, the search goes
 * on) and a task delivered twice (recorded once); the registered version is deployed on
 * its event and served through the API; uploading a spec starts a search.
 */
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../events/samples/index.js';
import { handler as predictHandler } from '../../functions/api/predict.js';
import { handler as promoteHandler } from '../../functions/api/promote-version.js';
import { handler as rollbackHandler } from '../../functions/api/rollback-model.js';
import { handler as deployModel } from '../../functions/deploy-model.js';
import { handler as specUploaded } from '../../functions/spec-uploaded.js';
import { isRejected } from '../../src/ports/records.js';
import type { Services } from '../../src/app/services.js';
import { bindHandlers, runWorkflow, synthesizeWorkflow, type SynthesizedWorkflow } from '../support/cloud-workflow.js';
import { lambdaContext, startLocalCloudWithIris, STATE_MACHINE_ARN, type LocalCloud } from '../support/local-cloud.js';

let cloud: LocalCloud;
let workflow: SynthesizedWorkflow;
let services: Services;

beforeAll(async () => {
  workflow = await synthesizeWorkflow();
  ({ cloud, services } = await startLocalCloudWithIris());
}, 180_000);
afterAll(() => cloud?.close());

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  task: 'classification',
  dataset: { uri: 'datasets/iris.csv', target: 'species' },
  evaluation: { folds: 2, patience: 3 },
  space: { family: 'mlp', learningRate: 0.02, batchSize: 16, epochs: 8, mlp: { layers: 1, units: [4, 6, 8, 12, 16, 24, 32, 48], dropout: 0 } },
  // Trials with more than 150 parameters train on the GPU path.
  compute: { target: 'auto', gpuAboveParams: 150 },
  strategy: 'grid',
  budget: { maxTrials: 5, maxParallel: 3 },
  seed: 4,
  ...extra,
});

describe('the synthesized state machine with its real handlers', () => {
  it('completes a search through Lambda and GPU trials, retries, a crash and a redelivery', async () => {
    const calls = new Map<string, number>();
    const count = (key: string) => {
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      return n;
    };
    const handlers = await bindHandlers(workflow, (state, real) => async (input) => {
      const trial = (input as { number?: number }).number;
      if (state === 'RunTrial' && trial === 0 && count('throttle-0') === 1) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      }
      if (state === 'RunTrial' && trial === 2) throw Object.assign(new Error('Runtime exited with error: signal: killed'), { name: 'Runtime.ExitError' });
      if (state === 'RunTrial' && trial === 1) {
        // Delivered twice: the second run must find the outcome already recorded.
        await real(input);
        return real(input);
      }
      return real(input);
    });
    const searchId = 'cloud-e2e-1';
    const { output, error } = await runWorkflow(workflow, { searchId, spec: spec('cloud-iris'), source: 'test', base: `s3://${cloud.s3.bucket}/` }, handlers, STATE_MACHINE_ARN);
    expect(error).toBeUndefined();
    expect(output).toEqual({ searchId, status: 'succeeded' });

    const search = await services.metadata.getSearch(searchId);
    if (!search || isRejected(search)) throw new Error('search not recorded');
    expect(search.status).toBe('succeeded');
    expect(search.modelVersion).toEqual({ name: 'cloud-iris', version: 1 });
    expect(search.costUsd).toBeGreaterThan(0);

    const trials = await services.metadata.listTrials(searchId);
    expect(trials).toHaveLength(5);
    expect(trials.map((t) => t.compute)).toContain('gpu');
    expect(trials.map((t) => t.compute)).toContain('lambda');
    const gpu = trials.filter((t) => t.compute === 'gpu' && t.status === 'completed');
    expect(gpu.length).toBeGreaterThan(0);
    for (const t of gpu) expect(t.costBasis).toMatch(/^g4dn\.xlarge x \d+ s$/);
    expect(trials[0]).toMatchObject({ status: 'completed', attempts: 1 });
    expect(trials[1]).toMatchObject({ status: 'completed', attempts: 1 });
    expect(trials[2]).toMatchObject({ status: 'failed', error: { name: 'Runtime.ExitError', message: 'Runtime exited with error: signal: killed' } });
    expect(trials.filter((t) => t.status === 'completed')).toHaveLength(4);

    const completed = cloud.eventsOf('TrialCompleted').filter((d) => d.searchId === searchId);
    expect(completed.map((d) => d.trial).sort()).toEqual([0, 1, 3, 4]);
    expect(cloud.eventsOf('TrialFailed').filter((d) => d.searchId === searchId).map((d) => d.trial)).toEqual([2]);
    expect(cloud.eventsOf('ModelVersionRegistered').filter((d) => d.searchId === searchId)).toEqual([
      { searchId, name: 'cloud-iris', version: 1, artifactPrefix: 'models/cloud-iris/versions/1/' },
    ]);
    expect(cloud.eventsOf('SearchSucceeded').filter((d) => d.searchId === searchId)).toHaveLength(1);
    const stored = await services.artifacts.list('models/cloud-iris/versions/1/');
    expect(stored.filter((k) => !k.includes('/code/'))).toEqual(
      ['architecture.json', 'metrics.json', 'model.json', 'preprocessor.json', 'weights.bin'].map((f) => `models/cloud-iris/versions/1/${f}`),
    );
    // Generated code for each target is stored with the version.
    for (const target of ['keras', 'pytorch', 'tfjs']) expect(stored.some((k) => k.startsWith(`models/cloud-iris/versions/1/code/${target}/`))).toBe(true);
  }, 300_000);

  it('deploys the registered version on its event and serves production through the API', async () => {
    const searchId = 'cloud-e2e-1';
    const call = async (handler: (e: never, c: never) => Promise<unknown>, event: unknown) => {
      const result = (await handler(event as never, lambdaContext() as never)) as { statusCode: number; body: string };
      return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
    };
    /** An event as the deployment rule delivers it: the recorded detail in an EventBridge envelope. */
    const delivered = (type: 'ModelVersionRegistered' | 'ModelStageChanged') => ({ ...loadSample(type), detail: cloud.eventsOf(type).at(-1) });

    const registered = await deployModel(delivered('ModelVersionRegistered') as never, lambdaContext() as never);
    expect(registered).toMatchObject({ name: 'cloud-iris', bundled: [1], stages: {} });
    const manifest = JSON.parse(new TextDecoder().decode((await services.artifacts.get('deployments/cloud-iris/1/manifest.json')) as Uint8Array));
    expect(manifest).toMatchObject({ name: 'cloud-iris', version: 1, searchId, formats: { onnx: { file: 'model.onnx' }, preprocessor: 'preprocessor.json' } });
    expect(await services.artifacts.list('deployments/cloud-iris/1/tfjs/')).toHaveLength(6);

    const predict = { ...loadSample('api-predict'), pathParameters: { name: 'cloud-iris' }, rawPath: '/models/cloud-iris/predict' };
    expect((await call(predictHandler, predict)).status).toBe(404);
    const promoted = await call(promoteHandler, { ...loadSample('api-promote-version'), pathParameters: { name: 'cloud-iris', version: '1' } });
    expect(promoted).toMatchObject({ status: 200, body: { name: 'cloud-iris', version: 1, stage: 'production' } });
    expect(await deployModel(delivered('ModelStageChanged') as never, lambdaContext() as never)).toMatchObject({ bundled: [], stages: { production: 1 } });
    const stages = JSON.parse(new TextDecoder().decode((await services.artifacts.get('deployments/cloud-iris/stages.json')) as Uint8Array));
    expect(stages.production).toEqual({ version: 1, bundle: 'deployments/cloud-iris/1/' });

    const answer = await call(predictHandler, predict);
    expect(answer.status).toBe(200);
    const predictions = answer.body.predictions as { label: string; probabilities: Record<string, number> }[];
    expect(answer.body).toMatchObject({ name: 'cloud-iris', version: 1, stage: 'production' });
    expect(predictions).toHaveLength(2);
    for (const p of predictions) expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(predictions[0]?.label).toBe('setosa');

    const bad = await call(predictHandler, { ...predict, body: JSON.stringify({ instances: [{ sepal_length: 'wide' }] }) });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BadRequest', message: expect.stringMatching(/instances\[0\]\.sepal_length: expected a number/) } } });
    const rollback = await call(rollbackHandler, { ...loadSample('api-rollback-model'), pathParameters: { name: 'cloud-iris' } });
    expect(rollback).toMatchObject({ status: 409, body: { error: { code: 'Conflict', message: expect.stringMatching(/no earlier production version/) } } });
  }, 120_000);

  it('records a search that cannot start as failed, with the reason', async () => {
    const handlers = await bindHandlers(workflow);
    const searchId = 'cloud-bad-dataset';
    const bad = spec('cloud-bad', { dataset: { uri: 'datasets/missing.csv', target: 'species' } });
    const { error } = await runWorkflow(workflow, { searchId, spec: bad, source: 'test', base: `s3://${cloud.s3.bucket}/` }, handlers, STATE_MACHINE_ARN);
    expect(error?.message).toMatch(/dataset\.uri: no object at s3:\/\/.*datasets\/missing\.csv/);
    const search = await services.metadata.getSearch(searchId);
    expect(search).toMatchObject({ status: 'failed', rejected: true, error: { name: 'DatasetError', message: expect.stringMatching(/no object at s3:\/\/.*datasets\/missing\.csv/) } });
    expect(cloud.eventsOf('SearchFailed').filter((d) => d.searchId === searchId)).toHaveLength(1);
  }, 120_000);
});

describe('long searches', () => {
  it('continue in a fresh execution, which takes over what the first left unfinished', async () => {
    const runs: Promise<{ output?: unknown; error?: Error }>[] = [];
    const handlers = await bindHandlers(workflow, (state, real) => async (input) => {
      const step = (await real(input)) as { run: number; action: string; trial?: { number: number } };
      // Once the first execution has handed out two trials, its lanes end as a full event
      // history would make them; the trial just proposed is left for the next execution.
      if (state === 'ProposeTrial' && step.run === 1 && step.action === 'run' && (step.trial?.number ?? 0) >= 2) {
        return { ...step, action: 'stop', reason: 'the execution history is nearly full' };
      }
      return step;
    });
    cloud.onStart = (execution) => runs.push(runWorkflow(workflow, execution.input as Record<string, unknown>, handlers, STATE_MACHINE_ARN));
    const searchId = 'cloud-rollover';
    const first = await runWorkflow(
      workflow,
      { searchId, spec: spec('rollover', { budget: { maxTrials: 4, maxParallel: 2 }, compute: 'lambda' }), source: 'test', base: `s3://${cloud.s3.bucket}/` },
      handlers,
      STATE_MACHINE_ARN,
    );
    cloud.onStart = undefined;
    expect(first.error).toBeUndefined();
    expect(cloud.started.at(-1)?.input).toEqual({ searchId, continued: true });
    expect(runs).toHaveLength(1);
    const second = await runs[0];
    expect(second?.output).toEqual({ searchId, status: 'succeeded' });
    const trials = await services.metadata.listTrials(searchId);
    expect(trials.map((t) => [t.number, t.status, t.attempts, t.heldBy?.run])).toEqual([
      [0, 'completed', 1, 1],
      [1, 'completed', 1, 1],
      [2, 'completed', 1, 2],
      [3, 'completed', 1, 2],
    ]);
    expect(await services.metadata.getSearch(searchId)).toMatchObject({ status: 'succeeded', runs: 2 });
  }, 300_000);
});

describe('uploading a spec under specs/', () => {
  const uploadEvent = (key: string) => {
    const event = loadSample('s3-spec-uploaded');
    return { ...event, detail: { ...event.detail, bucket: { name: cloud.s3.bucket }, object: { ...event.detail.object, key } } };
  };

  it('starts a search that runs to a registered model', async () => {
    const handlers = await bindHandlers(workflow);
    const runs: Promise<unknown>[] = [];
    cloud.onStart = (execution) => runs.push(runWorkflow(workflow, execution.input as Record<string, unknown>, handlers, STATE_MACHINE_ARN));
    await cloud.putObject('specs/uploaded.yaml', stringify(spec('uploaded', { budget: { maxTrials: 2, maxParallel: 2 }, compute: 'lambda' })));
    const result = await specUploaded(uploadEvent('specs/uploaded.yaml'), lambdaContext('SpecUploaded'));
    expect(result).toMatchObject({ outcome: 'started', searchId: expect.stringMatching(/^uploaded-20261203-101457-[0-9a-f]{6}$/) });
    expect(cloud.started.at(-1)?.input).toMatchObject({ spec: { name: 'uploaded' }, source: `s3://${cloud.s3.bucket}/specs/uploaded.yaml`, base: `s3://${cloud.s3.bucket}/` });
    await Promise.all(runs);
    const searchId = (result as { searchId: string }).searchId;
    expect(await services.metadata.getSearch(searchId)).toMatchObject({ status: 'succeeded', modelVersion: { name: 'uploaded', version: 1 } });

    // The same upload event delivered again starts nothing new.
    const started = cloud.started.length;
    expect(await specUploaded(uploadEvent('specs/uploaded.yaml'), lambdaContext('SpecUploaded'))).toMatchObject({ outcome: 'started', searchId });
    expect(cloud.started.length).toBe(started);
    cloud.onStart = undefined;
  }, 300_000);

  it('records an invalid spec as a failed search and trains nothing', async () => {
    const started = cloud.started.length;
    await cloud.putObject('specs/broken.yaml', stringify({ ...spec('broken'), budget: { maxTrials: 'many' } }));
    const result = await specUploaded(uploadEvent('specs/broken.yaml'), lambdaContext('SpecUploaded'));
    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/budget\.maxTrials: expected number, received string/) });
    expect(cloud.started.length).toBe(started);
    const searchId = (result as { searchId: string }).searchId;
    expect(await services.metadata.getSearch(searchId)).toMatchObject({ status: 'failed', rejected: true, name: 'broken', error: { name: 'SpecError' } });
    expect(await services.metadata.listTrials(searchId)).toEqual([]);
    expect(cloud.eventsOf('SearchFailed').filter((d) => d.searchId === searchId)).toHaveLength(1);
  }, 60_000);

  it('ignores objects outside specs/', async () => {
    const result = await specUploaded(loadSample('s3-other-object'), lambdaContext('SpecUploaded'));
    expect(result).toEqual({ outcome: 'ignored', key: 'datasets/iris.csv' });
  });
});
