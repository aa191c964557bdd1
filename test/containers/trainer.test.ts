/**
 * The GPU trainer container's entrypoint, run the way the container runs it — a separate
 * node process given the task in its environment — on CPU against dynalite, s3rver and
 * the EventBridge stand-in. (Docker does not run on these machines; the image's build is
 * declared in containers/trainer/Dockerfile.)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposeTrial } from '../../src/app/propose-trial.js';
import type { Services } from '../../src/app/services.js';
import { startSearch } from '../../src/app/start-search.js';
import { CONTAINER_TASK_ENV } from '../../src/workflow/definition.js';
import { PROJECT_ROOT } from '../helpers.js';
import { startLocalCloudWithIris, type LocalCloud } from '../support/local-cloud.js';

let cloud: LocalCloud;
let services: Services;

beforeAll(async () => ({ cloud, services } = await startLocalCloudWithIris()));
afterAll(() => cloud.close());

/** Run the entrypoint in its own process; resolves to its exit code and JSON log lines. */
function runEntrypoint(env: Record<string, string>): Promise<{ code: number | null; log: Record<string, unknown>[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'containers/trainer/entrypoint.ts')], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stderr, log: stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) }),
    );
  });
}

describe('trainer container entrypoint', () => {
  it('runs the trial named in its environment and records it in DynamoDB and S3', async () => {
    await startSearch(services, {
      searchId: 'container-1',
      spec: { name: 'container', task: 'classification', dataset: { uri: 'datasets/iris.csv', target: 'species' }, evaluation: { folds: 2 }, space: { family: 'mlp', epochs: 5 }, compute: 'gpu', budget: { maxTrials: 1 } },
      source: 'test',
      base: `s3://${cloud.s3.bucket}/`,
    });
    const item = (await proposeTrial(services, { searchId: 'container-1', run: 1, lane: 0 })).trial;
    expect(item?.compute).toBe('gpu');
    const { code, log, stderr } = await runEntrypoint({ ...cloud.env, [CONTAINER_TASK_ENV.name]: 'RunTrial', [CONTAINER_TASK_ENV.input]: JSON.stringify(item) });
    expect(code, stderr).toBe(0);
    expect(log.map((l) => l.message)).toEqual(['starting', 'finished']);
    expect(log[0]).toMatchObject({ task: 'RunTrial', backend: expect.stringMatching(/^wasm/) });
    expect(await services.metadata.getTrial('container-1', 0)).toMatchObject({ status: 'completed', backend: 'wasm', costBasis: expect.stringMatching(/^g4dn\.xlarge/) });
    expect(await services.artifacts.list('searches/container-1/trials/')).toEqual(['searches/container-1/trials/0000/log.jsonl']);
    expect(cloud.eventsOf('TrialCompleted').filter((d) => d.searchId === 'container-1')).toHaveLength(1);
  }, 120_000);

  it('exits 1, saying why, when the task is missing or unknown', async () => {
    const missing = await runEntrypoint({ ...cloud.env });
    expect(missing.code).toBe(1);
    expect(missing.log[0]).toMatchObject({ level: 'ERROR', error: { name: 'SpecError', message: expect.stringContaining(CONTAINER_TASK_ENV.name) } });
    const unknown = await runEntrypoint({ ...cloud.env, [CONTAINER_TASK_ENV.name]: 'DropTables', [CONTAINER_TASK_ENV.input]: '{}' });
    expect(unknown.code).toBe(1);
  }, 60_000);

  it('exits 1 when the deployment settings are missing', async () => {
    const { code, log } = await runEntrypoint({ [CONTAINER_TASK_ENV.name]: 'RunTrial', [CONTAINER_TASK_ENV.input]: '{"searchId":"x","number":0}' });
    expect(code).toBe(1);
    expect(log.at(-1)).toMatchObject({ error: { name: 'ConfigurationError', message: expect.stringMatching(/MODELSMITH_TABLE/) } });
  }, 60_000);
});
