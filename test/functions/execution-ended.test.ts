/**
 * The execution-ended handler on the sample Step Functions status change: a search whose
 * execution timed out is marked failed once, however often the event arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../events/samples/index.js';
import { handler } from '../../functions/execution-ended.js';
import type { Services } from '../../src/app/services.js';
import { startSearch } from '../../src/app/start-search.js';
import { lambdaContext, startLocalCloudWithIris, type LocalCloud } from '../support/local-cloud.js';

let cloud: LocalCloud;
let services: Services;
beforeAll(async () => ({ cloud, services } = await startLocalCloudWithIris()));
afterAll(() => cloud.close());

describe('execution ended abnormally', () => {
  it('marks the running search failed with the reason, once', async () => {
    const event = loadSample('sfn-execution-failed');
    const searchId = event.detail.name;
    await startSearch(services, {
      searchId,
      spec: { name: 'iris', task: 'classification', dataset: { uri: 'datasets/iris.csv', target: 'species' }, space: { family: 'mlp' }, budget: { maxTrials: 1 } },
      source: 'test',
      base: `s3://${cloud.s3.bucket}/`,
    });
    expect(await handler(event, lambdaContext())).toEqual({ searchId, status: 'TIMED_OUT' });
    expect(await services.metadata.getSearch(searchId)).toMatchObject({
      status: 'failed',
      error: { name: 'ExecutionTimedOut', message: 'the workflow timed out' },
    });
    await handler(event, lambdaContext());
    expect(cloud.eventsOf('SearchFailed').filter((d) => d.searchId === searchId)).toHaveLength(1);
  });

  it('rejects events that are not a search execution ending badly', async () => {
    const event = loadSample('sfn-execution-failed');
    await expect(handler({ ...event, detail: { ...event.detail, status: 'SUCCEEDED' } }, lambdaContext())).rejects.toThrow(/status/);
  });
});
