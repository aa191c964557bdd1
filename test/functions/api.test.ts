/**
 * The API handlers on the sample API Gateway requests in events/samples, against the local
 * stand-in of the account: status codes, JSON bodies and error codes for each route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../events/samples/index.js';
import { handler as cancelSearch } from '../../functions/api/cancel-search.js';
import { handler as getSearch } from '../../functions/api/get-search.js';
import { handler as listModels } from '../../functions/api/list-models.js';
import { handler as listSearches } from '../../functions/api/list-searches.js';
import { handler as listVersions } from '../../functions/api/list-versions.js';
import { handler as promoteVersion } from '../../functions/api/promote-version.js';
import { handler as rollbackModel } from '../../functions/api/rollback-model.js';
import { handler as startSearch } from '../../functions/api/start-search.js';
import { startSearch as recordSearch } from '../../src/app/start-search.js';
import type { Services } from '../../src/app/services.js';
import { lambdaContext, startLocalCloudWithIris, STATE_MACHINE_ARN, type LocalCloud } from '../support/local-cloud.js';

let cloud: LocalCloud;
let services: Services;

beforeAll(async () => ({ cloud, services } = await startLocalCloudWithIris()));
afterAll(() => cloud.close());

type Result = { statusCode: number; headers: Record<string, string>; body: string };
const call = async (handler: (e: never, c: never) => Promise<unknown>, event: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
  const result = (await handler(event as never, lambdaContext() as never)) as Result;
  expect(result.headers['content-type']).toBe('application/json');
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
};

describe('POST /searches', () => {
  it('validates the spec and its dataset, then starts the workflow: 202', async () => {
    const { status, body } = await call(startSearch, loadSample('api-start-search'));
    expect(status).toBe(202);
    expect(body).toMatchObject({ searchId: expect.stringMatching(/^iris-\d{8}-\d{6}-[0-9a-f]{6}$/), name: 'iris', status: 'running' });
    const started = cloud.started.at(-1);
    expect(started).toMatchObject({ stateMachineArn: STATE_MACHINE_ARN, name: body.searchId, input: { searchId: body.searchId, source: 'api', base: `s3://${cloud.s3.bucket}/` } });
    expect(body.executionArn).toBe(`${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${String(body.searchId)}`);
  });

  it('answers 400 InvalidSpec with every issue for an invalid spec, and starts nothing', async () => {
    const before = cloud.started.length;
    const { status, body } = await call(startSearch, loadSample('api-start-search-invalid'));
    expect(status).toBe(400);
    const error = body.error as { code: string; issues: { path: string }[] };
    expect(error.code).toBe('InvalidSpec');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['budget.maxTrials', 'seeds']);
    expect(cloud.started.length).toBe(before);
  });

  it('answers 400 BadRequest for a body that is not JSON', async () => {
    const { status, body } = await call(startSearch, loadSample('api-start-search-malformed'));
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/^the body is not valid JSON/) });
  });

  it('answers 422 InvalidDataset when the dataset is missing or outside the allowed prefixes', async () => {
    for (const uri of ['datasets/missing.csv', 'searches/x/spec.json', 's3://another-bucket/datasets/iris.csv']) {
      const event = loadSample('api-start-search');
      const spec = (JSON.parse(event.body as string) as { spec: { dataset: { uri: string } } }).spec;
      spec.dataset.uri = uri;
      const { status, body } = await call(startSearch, { ...event, body: JSON.stringify({ spec }) });
      expect(status, uri).toBe(422);
      expect(body.error).toMatchObject({ code: 'InvalidDataset', message: expect.stringMatching(/^dataset\.uri: /) });
    }
  });

  it('accepts the spec as YAML text too', async () => {
    const event = loadSample('api-start-search');
    const spec = (JSON.parse(event.body as string) as { spec: unknown }).spec;
    const { stringify } = await import('yaml');
    const { status } = await call(startSearch, { ...event, body: JSON.stringify({ spec: stringify(spec) }) });
    expect(status).toBe(202);
  });
});

describe('reading searches and models', () => {
  it('lists, gets, 404s and cancels searches', async () => {
    await recordSearch(services, {
      searchId: 'api-running',
      spec: { name: 'api', task: 'classification', dataset: { uri: 'datasets/iris.csv', target: 'species' }, space: { family: 'mlp' }, budget: { maxTrials: 1 } },
      source: 'test',
      base: `s3://${cloud.s3.bucket}/`,
    });
    const listed = await call(listSearches, loadSample('api-list-searches'));
    expect(listed.status).toBe(200);
    expect((listed.body.searches as { searchId: string; spec?: unknown }[]).find((s) => s.searchId === 'api-running')).toMatchObject({ status: 'running' });
    expect((listed.body.searches as { spec?: unknown }[]).every((s) => s.spec === undefined)).toBe(true);

    const sample = loadSample('api-get-search');
    const get = (searchId: string) => call(getSearch, { ...sample, pathParameters: { searchId }, rawPath: `/searches/${searchId}` });
    const found = await get('api-running');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ search: { searchId: 'api-running', status: 'running' }, trials: [] });
    expect((await get('nope')).status).toBe(404);
    expect((await get('nope')).body.error).toMatchObject({ code: 'NotFound', message: 'no search nope' });

    const cancelSample = loadSample('api-cancel-search');
    const cancel = (searchId: string) => call(cancelSearch, { ...cancelSample, pathParameters: { searchId } });
    expect(await cancel('api-running')).toEqual({ status: 200, body: { searchId: 'api-running', status: 'cancelled' } });
    expect(cloud.stopped.at(-1)).toMatchObject({ executionArn: expect.stringMatching(/:execution:Modelsmith-search:api-running$/), error: 'SearchCancelled' });
    expect((await get('api-running')).body).toMatchObject({ search: { status: 'cancelled', error: { name: 'SearchCancelled' } } });
    expect((await cancel('api-running')).body.error).toMatchObject({ code: 'Conflict' });
    expect((await cancel('api-running')).status).toBe(409);
    expect(cloud.eventsOf('SearchFailed').filter((d) => d.searchId === 'api-running')).toHaveLength(1);
  });

  it('rejects a bad list limit', async () => {
    const event = loadSample('api-list-searches');
    const { status, body } = await call(listSearches, { ...event, queryStringParameters: { limit: 'all' } });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'BadRequest', message: 'limit: expected an integer from 1 to 1000, got all' });
  });

  it('lists models and their versions; 404 for an unknown model', async () => {
    const version = {
      searchId: 's', trial: 0, createdAt: 'now', stage: 'none' as const, family: 'mlp', assignment: {}, metrics: { accuracy: 0.9 },
      testMetrics: {}, cost: { params: 1, flops: 1 }, artifactPrefix: 'models/api-model/versions/1/', files: {},
    };
    await services.metadata.registerModelVersion({ ...version, name: 'api-model' });
    const models = await call(listModels, loadSample('api-list-models'));
    expect(models).toMatchObject({ status: 200, body: { models: expect.arrayContaining([{ name: 'api-model', latestVersion: 1, productionHistory: [], revision: 0 }]) } });
    const sample = loadSample('api-list-versions');
    const versions = await call(listVersions, { ...sample, pathParameters: { name: 'api-model' } });
    expect(versions).toMatchObject({ status: 200, body: { versions: [{ name: 'api-model', version: 1, metrics: { accuracy: 0.9 } }] } });
    expect((await call(listVersions, { ...sample, pathParameters: { name: 'unknown' } })).status).toBe(404);

    // Promote through the API; bad requests name what is wrong and change nothing.
    const promote = (version: string, body: string) => call(promoteVersion, { ...loadSample('api-promote-version'), pathParameters: { name: 'api-model', version }, body });
    expect(await promote('1', JSON.stringify({ stage: 'live' }))).toMatchObject({ status: 400, body: { error: { code: 'BadRequest', message: expect.stringMatching(/^body\.stage: /) } } });
    expect(await promote('one', JSON.stringify({ stage: 'production' }))).toMatchObject({ status: 400, body: { error: { message: '{version} must be a positive integer' } } });
    expect(await promote('4', JSON.stringify({ stage: 'production' }))).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
    expect(await promote('1', JSON.stringify({ stage: 'staging' }))).toMatchObject({ status: 200, body: { version: 1, stage: 'staging', model: { staging: 1 } } });
    const staged = await call(listVersions, { ...sample, pathParameters: { name: 'api-model' } });
    expect(staged.body).toMatchObject({ versions: [{ version: 1, stage: 'staging' }] });
    const rollback = await call(rollbackModel, { ...loadSample('api-rollback-model'), pathParameters: { name: 'api-model' } });
    expect(rollback).toMatchObject({ status: 409, body: { error: { code: 'Conflict', message: 'model api-model has no production version to roll back' } } });
  });
});
