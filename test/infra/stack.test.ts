/**
 * The CDK stack, checked on its synthesized template: storage settings, the state machine
 * built from the workflow definition, the GPU trainer, event rules, the authorized API,
 * least-privilege grants, and cdk-nag's AWS Solutions checks with no unacknowledged
 * finding. (Functions are not bundled here; test/infra/synth.test.ts runs the real
 * `cdk synth`.)
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { TABLE_KEYS } from '../../src/adapters/dynamodb/metadata-store.js';
import { SEARCH_DEFINITION_TEMPLATE, TASK_NAMES } from '../../src/workflow/definition.js';
import { tempDir } from '../helpers.js';

let template: Template;
let json: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

beforeAll(async () => {
  const out = await tempDir('modelsmith-cdk-');
  const { app, stack } = buildApp({ outdir: out.path, bundle: false });
  app.synth();
  template = Template.fromStack(stack);
  json = template.toJSON() as typeof json;
  await out.cleanup();
}, 120_000);

const resourcesOf = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);

describe('storage', () => {
  it('keeps artifacts in a versioned, encrypted, private, TLS-only bucket with a lifecycle for old versions', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90, NewerNoncurrentVersions: 3 } })]) },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'artifacts/' }),
    });
    // S3 sends the bucket's object events to EventBridge (set through CDK's notifications resource).
    template.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
    const policies = resourcesOf('AWS::S3::BucketPolicy');
    expect(policies.length).toBe(2);
    for (const [, policy] of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('uses an on-demand table with point-in-time recovery and the adapter\'s keys', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [
        { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: TABLE_KEYS.indexName })],
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('has an event bus with an archive for replays', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['modelsmith'] } });
  });
});

describe('state machine', () => {
  const machine = () => {
    const [[, resource]] = resourcesOf('AWS::StepFunctions::StateMachine') as unknown as [[string, { Properties: Record<string, unknown> }]];
    return resource.Properties as { DefinitionString: string; DefinitionSubstitutions: Record<string, unknown>; LoggingConfiguration: unknown; TracingConfiguration: unknown };
  };

  it('is the workflow definition file, unchanged, with every placeholder substituted', () => {
    const { DefinitionString, DefinitionSubstitutions } = machine();
    expect(JSON.parse(DefinitionString)).toEqual(JSON.parse(SEARCH_DEFINITION_TEMPLATE));
    expect(Object.keys(DefinitionSubstitutions).sort()).toEqual(
      [...TASK_NAMES, 'GpuCapacityProvider', 'TrainerCluster', 'TrainerTaskDefinition'].sort(),
    );
    for (const name of TASK_NAMES) expect(DefinitionSubstitutions[name]).toEqual({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${name}`)), 'Arn'] });
  });

  it('runs trials in lanes of a Map that route heavy ones to the GPU task, with Retry and Catch', () => {
    const definition = JSON.parse(machine().DefinitionString) as { States: Record<string, Record<string, unknown>> };
    const map = definition.States.RunLanes as { Type: string; ItemsPath: string; MaxConcurrency: number; ItemProcessor: { States: Record<string, Record<string, unknown>> } };
    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.lanes' });
    expect(map.MaxConcurrency).toBeLessThanOrEqual(40);
    const inner = map.ItemProcessor.States;
    // Each lane loops: propose, train (or wait), propose again, until it is told to stop.
    expect(inner.LaneNext).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.action', StringEquals: 'run', Next: 'RouteTrial' },
        { Variable: '$.action', StringEquals: 'wait', Next: 'WaitForTrials' },
      ],
      Default: 'LaneDone',
    });
    expect(inner.WaitForTrials).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'ProposeTrial' });
    expect(inner.RouteTrial).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.trial.compute', StringEquals: 'gpu', Next: 'RunTrialOnGpu' }], Default: 'RunTrial' });
    expect(inner.RunTrialOnGpu).toMatchObject({ Resource: 'arn:aws:states:::ecs:runTask.sync', Next: 'ProposeTrial', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RecordTrialFailure' }] });
    expect(inner.RunTrial).toMatchObject({
      Next: 'ProposeTrial',
      Retry: [{ ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException', 'ThrottlingException']), BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RecordTrialFailure' }],
    });
    expect(inner.RecordTrialFailure).toMatchObject({ Next: 'ProposeTrial' });
    for (const [name, state] of Object.entries(inner)) {
      if (state.Type === 'Task') expect(state.TimeoutSeconds, `${name} has a timeout`).toBeGreaterThan(0);
    }
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type === 'Task') expect(state.TimeoutSeconds, `${name} has a timeout`).toBeGreaterThan(0);
    }
  });

  it('logs and traces executions', () => {
    const m = machine();
    expect(m.LoggingConfiguration).toMatchObject({ Level: 'ALL' });
    expect(m.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('may invoke its task functions and run the GPU task, nothing broader', () => {
    const policies = resourcesOf('AWS::IAM::Policy').filter(([id]) => id.startsWith('WorkflowStateMachineRole'));
    const statements = policies.flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement);
    const actions = new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    expect([...actions].sort()).toEqual(
      ['ecs:DescribeTasks', 'ecs:RunTask', 'ecs:StopTask', 'events:DescribeRule', 'events:PutRule', 'events:PutTargets', 'iam:PassRole', 'lambda:InvokeFunction', 'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery', 'states:StartExecution', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });
});

describe('GPU trainer', () => {
  it('runs on ECS Managed Instances with NVIDIA GPUs (Fargate has none)', () => {
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      ManagedInstancesProvider: Match.objectLike({
        InstanceLaunchTemplate: Match.objectLike({
          InstanceRequirements: Match.objectLike({ AcceleratorManufacturers: ['nvidia'], AcceleratorTypes: ['gpu'], AcceleratorCount: { Min: 1 } }),
        }),
      }),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['MANAGED_INSTANCES'],
      NetworkMode: 'host',
      ContainerDefinitions: [Match.objectLike({ Name: 'trainer', ResourceRequirements: [{ Type: 'GPU', Value: '1' }] })],
    });
  });

  it('pays for no NAT gateway while idle', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });
});

describe('ways in', () => {
  it('starts a search for objects created under specs/ in the bucket', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'specs/' }] } } },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 } })],
    });
  });

  it('marks a search failed when its execution fails, times out or is stopped', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'] } },
    });
  });

  it('deploys versions when they are registered or change stage', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['modelsmith'], 'detail-type': ['ModelVersionRegistered', 'ModelStageChanged'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeployModel'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('serves the API only to IAM-signed requests, on every route', () => {
    const routes = resourcesOf('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(
      [
        'GET /models',
        'GET /models/{name}/versions',
        'GET /searches',
        'GET /searches/{searchId}',
        'POST /models/{name}/predict',
        'POST /models/{name}/rollback',
        'POST /models/{name}/versions/{version}/stage',
        'POST /searches',
        'POST /searches/{searchId}/cancel',
      ],
    );
    for (const [, route] of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { AccessLogSettings: Match.anyValue(), DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } });
  });
});

describe('functions', () => {
  // Ours carry the store in their environment; the rest are CDK's own custom-resource providers.
  const functions = () =>
    resourcesOf('AWS::Lambda::Function').filter(([, f]) => 'MODELSMITH_TABLE' in ((f.Properties.Environment as { Variables?: object })?.Variables ?? {}));

  it('run Node.js 22 on ARM with tracing and the store in their environment', () => {
    expect(functions().length).toBe(22);
    for (const [, f] of functions()) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(Object.keys((f.Properties.Environment as { Variables: object }).Variables)).toEqual(
        expect.arrayContaining(['MODELSMITH_TABLE', 'MODELSMITH_BUCKET', 'MODELSMITH_EVENT_BUS']),
      );
    }
  });

  it('size the trainers from config/cloud.json', () => {
    const trainers = functions().filter(([id]) => id.startsWith('RunTrial') || id.startsWith('TrainFinalModel'));
    expect(trainers.length).toBe(2);
    for (const [, f] of trainers) expect(f.Properties).toMatchObject({ MemorySize: 3008, Timeout: 900 });
  });

  it('grant each function only the bucket prefixes it uses', () => {
    const objectResources = (prefix: string) => {
      const policy = resourcesOf('AWS::IAM::Policy').find(([id]) => id.startsWith(prefix));
      const text = JSON.stringify(policy?.[1].Properties.PolicyDocument ?? {});
      return [...text.matchAll(/"\/(datasets|specs|searches|models|deployments)\/\*"/g)].map((m) => m[1]).sort();
    };
    expect(objectResources('SelectBestServiceRole')).toEqual([]);
    expect(objectResources('RegisterVersionServiceRole')).toEqual(['models', 'searches']);
    expect([...new Set(objectResources('RunTrialServiceRole'))]).toEqual(['datasets', 'searches', 'specs']);
    expect(objectResources('ApiListSearchesServiceRole')).toEqual([]);
    expect([...new Set(objectResources('ApiPredictServiceRole'))]).toEqual(['models']);
    expect([...new Set(objectResources('DeployModelServiceRole'))]).toEqual(['deployments', 'models']);
    expect(objectResources('ApiPromoteVersionServiceRole')).toEqual([]);
  });
});

describe('cdk-nag', () => {
  it('passes the AWS Solutions checks: the synth above threw on any unacknowledged finding', () => {
    expect(resourcesOf('AWS::S3::Bucket').length).toBeGreaterThan(0);
  });

  it('fails the synth on a new unacknowledged finding', async () => {
    const out = await tempDir('modelsmith-cdk-');
    try {
      const { app, stack } = buildApp({ outdir: out.path, bundle: false });
      new iam.Role(stack, 'TooBroad', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        inlinePolicies: { all: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })] }) },
      });
      expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
    } finally {
      await out.cleanup();
    }
  }, 120_000);
});
