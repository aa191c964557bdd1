/**
 * `npx cdk synth` as a user runs it: no AWS credentials, no network but the machine
 * itself; every function bundled by the local esbuild; cdk-nag enforced. Also records how
 * large the trainer function's package is (Lambda allows 250 MB unzipped) and runs the
 * bundled trainer against a local stand-in of the account, to prove the bundle trains.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposeTrial } from '../../src/app/propose-trial.js';
import { startSearch } from '../../src/app/start-search.js';
import { awsConfigFromEnv, awsServices } from '../../src/runtime/aws.js';
import { DATASETS, PROJECT_ROOT, tempDir } from '../helpers.js';
import { lambdaContext, startLocalCloud } from '../support/local-cloud.js';

let out: Awaited<ReturnType<typeof tempDir>>;
let result: ReturnType<typeof spawnSync>;

beforeAll(async () => {
  out = await tempDir('modelsmith-synth-');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out.path], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 300_000 });
}, 320_000);
afterAll(() => out.cleanup());

function directorySize(path: string): number {
  return readdirSync(path).reduce((sum, name) => {
    const stat = statSync(join(path, name));
    return sum + (stat.isDirectory() ? directorySize(join(path, name)) : stat.size);
  }, 0);
}

/** The asset folder of a function, found through the synthesized template. */
function functionAsset(logicalIdPrefix: string): string {
  const template = JSON.parse(readFileSync(join(out.path, 'Modelsmith.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const [, fn] = Object.entries(template.Resources).find(([id, r]) => id.startsWith(logicalIdPrefix) && r.Type === 'AWS::Lambda::Function') ?? [];
  const key = fn?.Properties.Code?.S3Key;
  if (!key) throw new Error(`no function ${logicalIdPrefix} in the template`);
  return join(out.path, `asset.${key.replace(/\.zip$/, '')}`);
}

/** The asset folders of the functions that carry the wasm binaries (trainers, and those that load models). */
function wasmAssets(): string[] {
  return readdirSync(out.path)
    .filter((d) => d.startsWith('asset.'))
    .map((d) => join(out.path, d))
    .filter((d) => statSync(d).isDirectory() && readdirSync(d).includes('tfjs-backend-wasm-simd.wasm'));
}

/** Functions that train or load models: the two trainers, the predict route, the deployment target. */
const WASM_FUNCTIONS = ['RunTrial', 'TrainFinalModel', 'ApiPredict', 'DeployModel'];

describe('cdk synth', () => {
  it('succeeds without credentials or network, with cdk-nag passing', () => {
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const template = JSON.parse(readFileSync(join(out.path, 'Modelsmith.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
  });

  it('packages the trainer as a zip function far below the 250 MB limit', () => {
    const assets = wasmAssets();
    expect(assets.sort()).toEqual(WASM_FUNCTIONS.map(functionAsset).sort());
    for (const asset of assets) {
      const bytes = directorySize(asset);
      console.info(`trainer function package: ${(bytes / 1e6).toFixed(1)} MB unzipped (${readdirSync(asset).join(', ')})`);
      expect(bytes).toBeLessThan(250e6);
    }
  });
});

describe('the bundled trainer function', () => {
  it('trains a trial with the wasm backend from its own package', async () => {
    const cloud = await startLocalCloud();
    try {
      await cloud.putObject('datasets/iris.csv', readFileSync(join(DATASETS, 'iris.csv')));
      const services = awsServices(awsConfigFromEnv(process.env));
      await startSearch(services, {
        searchId: 'bundled-trainer',
        spec: { name: 'bundled', task: 'classification', dataset: { uri: 'datasets/iris.csv', target: 'species' }, evaluation: { folds: 2 }, space: { family: 'mlp', epochs: 5 }, budget: { maxTrials: 1 } },
        source: 'test',
        base: `s3://${cloud.s3.bucket}/`,
      });
      const item = (await proposeTrial(services, { searchId: 'bundled-trainer', run: 1, lane: 0 })).trial;
      const bundle = (await import(join(functionAsset('RunTrial'), 'index.mjs'))) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
      expect(await bundle.handler(item, lambdaContext('RunTrial'))).toMatchObject({ searchId: 'bundled-trainer', number: 0, status: 'completed' });
      const trial = await services.metadata.getTrial('bundled-trainer', 0);
      expect(trial).toMatchObject({ status: 'completed', backend: 'wasm', costBasis: expect.stringMatching(/^Lambda 3008 MB/) });
      expect(cloud.eventsOf('TrialCompleted')).toHaveLength(1);
    } finally {
      await cloud.close();
    }
  }, 120_000);
});
