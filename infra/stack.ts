/**
 * The modelsmith stack: storage, the task functions of the search workflow, the GPU
 * trainer, the state machine built from the same definition the local engine runs, the
 * ways in (a spec uploaded under `specs/`, the IAM-authorized HTTP API) and the event
 * rules. Each function gets exactly the table, bucket prefixes and bus access it needs.
 * Environment-agnostic: no lookups, so `cdk synth` needs no credentials.
 */
import { ArnFormat, CfnOutput, Duration, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { SearchEventRules } from '../events/rules.js';
import { TASK_NAMES as TASK_NAME_LIST, type TaskName } from '../src/workflow/definition.js';
import { CLOUD } from './config.js';
import { SearchApi } from './constructs/api.js';
import { GpuTrainer } from './constructs/gpu-trainer.js';
import { ModelsmithFunction } from './constructs/modelsmith-function.js';
import { SearchWorkflow } from './constructs/search-workflow.js';
import { Storage } from './constructs/storage.js';

/** What a function may do with the store. */
interface Access {
  /** Table access. */
  readonly table?: 'read' | 'write';
  /** Bucket prefixes it reads, and those it writes. */
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
  /** Publishes on the event bus. */
  readonly publishes?: boolean;
}

const DATA = ['datasets/', 'specs/'];
/** Functions that load models to predict or export them carry the wasm backend too. */
const SERVING = { trainer: true, memorySize: 2048, timeout: Duration.seconds(30) };
/** Trainers also read checkpoints: a multi-fidelity promotion continues its parent's weights. */
const TRAINER_READS = [...DATA, 'searches/'];

/** Each workflow task's function: its file, sizing and access. */
const TASKS: Record<TaskName, { entry: string; description: string; access: Access; trainer?: boolean }> = {
  StartSearch: { entry: 'start-search.ts', description: 'Validate a spec and record the search', access: { table: 'write', reads: DATA, writes: ['searches/'], publishes: true } },
  ProposeTrial: { entry: 'propose-trial.ts', description: "Propose a lane's next trial", access: { table: 'write', reads: DATA, publishes: true } },
  RunTrial: { entry: 'run-trial.ts', description: 'Train and cross-validate one trial', access: { table: 'write', reads: TRAINER_READS, writes: ['searches/'], publishes: true }, trainer: true },
  RecordTrialFailure: { entry: 'record-trial-failure.ts', description: 'Record a trial that could not run', access: { table: 'write', publishes: true } },
  RecordProgress: { entry: 'record-progress.ts', description: 'Record the search once its lanes end and check the budget', access: { table: 'write' } },
  SelectBest: { entry: 'select-best.ts', description: 'Pick the best trial', access: { table: 'read' } },
  TrainFinalModel: { entry: 'train-final-model.ts', description: 'Refit the best trial and score it on the test split', access: { table: 'write', reads: DATA, writes: ['searches/'] }, trainer: true },
  RegisterVersion: { entry: 'register-version.ts', description: 'Register the final model as a numbered version', access: { table: 'write', reads: ['searches/'], writes: ['models/'], publishes: true } },
  FinishSearch: { entry: 'finish-search.ts', description: 'Mark a search succeeded and announce it', access: { table: 'write', writes: ['searches/'], publishes: true } },
  FailSearch: { entry: 'fail-search.ts', description: 'Mark a search failed and announce it', access: { table: 'write', writes: ['searches/'], publishes: true } },
};

export class ModelsmithStack extends Stack {
  readonly storage: Storage;
  readonly workflow: SearchWorkflow;
  readonly trainer: GpuTrainer;
  readonly api: SearchApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, { description: 'modelsmith: serverless neural-network search, training and model registry', ...props });
    const storage = (this.storage = new Storage(this, 'Storage'));

    const grant = (principal: iam.IGrantable, access: Access) => {
      if (access.table === 'read') storage.table.grantReadData(principal);
      if (access.table === 'write') storage.table.grantReadWriteData(principal);
      for (const prefix of access.reads ?? []) storage.bucket.grantRead(principal, `${prefix}*`);
      for (const prefix of access.writes ?? []) storage.bucket.grantPut(principal, `${prefix}*`);
      if (access.reads?.length || access.writes?.length) {
        // Listing (and telling a missing key from a forbidden one) needs ListBucket, scoped to the prefixes.
        const prefixes = [...new Set([...(access.reads ?? []), ...(access.writes ?? [])])];
        principal.grantPrincipal.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [storage.bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': prefixes.flatMap((p) => [p, `${p}*`]) } },
          }),
        );
      }
      if (access.publishes) storage.bus.grantPutEventsTo(principal);
    };
    const fn = (id: string, entry: string, description: string, access: Access, extra: Partial<ConstructorParameters<typeof ModelsmithFunction>[2]> = {}) => {
      const f = new ModelsmithFunction(this, id, { entry, description, storage, ...extra });
      grant(f, access);
      return f;
    };

    const tasks = Object.fromEntries(
      Object.entries(TASKS).map(([name, t]) => [
        name,
        fn(
          name,
          t.entry,
          t.description,
          t.access,
          t.trainer
            ? { trainer: true, memorySize: CLOUD.trainer.lambda.memoryMb, timeout: Duration.seconds(CLOUD.trainer.lambda.timeoutSeconds) }
            : { timeout: Duration.minutes(5), memorySize: 1024 },
        ),
      ]),
    ) as Record<TaskName, ModelsmithFunction>;

    const trainer = (this.trainer = new GpuTrainer(this, 'GpuTrainer', { storage }));
    grant(trainer.taskDefinition.taskRole, { table: 'write', reads: TRAINER_READS, writes: ['searches/'], publishes: true });

    const workflow = (this.workflow = new SearchWorkflow(this, 'Workflow', { tasks, trainer }));
    const stateMachineArn = workflow.stateMachine.stateMachineArn;
    const starter = { environment: { MODELSMITH_STATE_MACHINE_ARN: stateMachineArn } };

    const specUploaded = fn('SpecUploaded', 'spec-uploaded.ts', 'Start a search for a spec uploaded under specs/', { table: 'write', reads: DATA, publishes: true }, starter);
    workflow.stateMachine.grantStartExecution(specUploaded);
    const executionEnded = fn('ExecutionEnded', 'execution-ended.ts', 'Mark a search failed when its execution ends abnormally', { table: 'write', writes: ['searches/'], publishes: true });

    const startSearch = fn('ApiStartSearch', 'api/start-search.ts', 'POST /searches', { table: 'read', reads: DATA }, starter);
    workflow.stateMachine.grantStartExecution(startSearch);
    const cancelSearch = fn('ApiCancelSearch', 'api/cancel-search.ts', 'POST /searches/{searchId}/cancel', { table: 'write', publishes: true }, starter);
    cancelSearch.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StopExecution'],
        resources: [
          this.formatArn({ service: 'states', resource: 'execution', resourceName: `${this.stackName}-search:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
    );
    this.api = new SearchApi(this, 'Api', {
      routes: [
        { method: HttpMethod.POST, path: '/searches', handler: startSearch },
        { method: HttpMethod.GET, path: '/searches', handler: fn('ApiListSearches', 'api/list-searches.ts', 'GET /searches', { table: 'read' }) },
        { method: HttpMethod.GET, path: '/searches/{searchId}', handler: fn('ApiGetSearch', 'api/get-search.ts', 'GET /searches/{searchId}', { table: 'read' }) },
        { method: HttpMethod.POST, path: '/searches/{searchId}/cancel', handler: cancelSearch },
        { method: HttpMethod.GET, path: '/models', handler: fn('ApiListModels', 'api/list-models.ts', 'GET /models', { table: 'read' }) },
        { method: HttpMethod.GET, path: '/models/{name}/versions', handler: fn('ApiListVersions', 'api/list-versions.ts', 'GET /models/{name}/versions', { table: 'read' }) },
        {
          method: HttpMethod.POST,
          path: '/models/{name}/versions/{version}/stage',
          handler: fn('ApiPromoteVersion', 'api/promote-version.ts', 'POST /models/{name}/versions/{version}/stage', { table: 'write', publishes: true }),
        },
        { method: HttpMethod.POST, path: '/models/{name}/rollback', handler: fn('ApiRollbackModel', 'api/rollback-model.ts', 'POST /models/{name}/rollback', { table: 'write', publishes: true }) },
        // Pay per use: loads the production version from S3 once per container, resolves production per request.
        { method: HttpMethod.POST, path: '/models/{name}/predict', handler: fn('ApiPredict', 'api/predict.ts', 'POST /models/{name}/predict', { table: 'read', reads: ['models/'] }, SERVING) },
      ],
    });

    const rules = new SearchEventRules(this, 'Rules', {
      bus: storage.bus,
      bucket: storage.bucket,
      stateMachine: workflow.stateMachine,
      specUploaded,
      executionEnded,
    });

    const deploy = fn(
      'DeployModel',
      'deploy-model.ts',
      'Write edge bundles and stage pointers when versions are registered or change stage',
      { table: 'read', reads: ['models/', 'deployments/'], writes: ['deployments/'] },
      { ...SERVING, timeout: Duration.minutes(5) },
    );
    rules.onEvents('Deploy', ['ModelVersionRegistered', 'ModelStageChanged'], new targets.LambdaFunction(deploy, { deadLetterQueue: rules.deadLetters, retryAttempts: 4 }));

    this.acknowledgeFindings(tasks);
    new CfnOutput(this, 'BucketName', { value: storage.bucket.bucketName, description: 'Upload specs under specs/ and datasets under datasets/' });
    new CfnOutput(this, 'ApiUrl', { value: this.api.api.apiEndpoint, description: 'The search API (IAM-signed requests)' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachineArn });
    new CfnOutput(this, 'TableName', { value: storage.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: storage.bus.eventBusName });
  }

  /**
   * cdk-nag findings accepted for this stack, each with the reason. Wildcard findings are
   * acknowledged one by one (by the exact permission), so a new wildcard fails the synth.
   */
  private acknowledgeFindings(tasks: Record<TaskName, ModelsmithFunction>): void {
    const ref = (construct: IConstruct) => `<${this.getLogicalId(construct.node.defaultChild as CfnElement)}.Arn>`;
    const nag = (finding: string, reason: string) => ({ id: `AwsSolutions::AwsSolutions-${finding}`, reason });
    const bucket = ref(this.storage.bucket);
    const prefixes = ['datasets/', 'specs/', 'searches/', 'models/', 'deployments/'];
    Validations.of(this).acknowledge(
      nag(
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The AWS-managed Lambda execution policy only writes the function\'s own logs.',
      ),
      nag(
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForManagedInstances]',
        'ECS Managed Instances requires its AWS-managed infrastructure policy to launch and manage the GPU instances.',
      ),
      nag('L1', 'Functions target nodejs22.x, the runtime this project tests against; moving to a newer one is a deliberate, tested change.'),
      nag('SQS3', 'This queue is itself the dead-letter queue of the event rules.'),
      nag('IAM5[Resource::*]', 'X-Ray tracing (PutTraceSegments, PutTelemetryRecords) and ECS instance registration accept no narrower resource.'),
      nag(`IAM5[Resource::${ref(this.storage.table)}/index/*]`, 'Listing searches and models queries the table\'s one secondary index.'),
      ...prefixes.map((prefix) =>
        nag(`IAM5[Resource::${bucket}/${prefix}*]`, `Object access is limited to the ${prefix} prefix of our own bucket, and only for functions that use it.`),
      ),
      ...['s3:List*', 's3:GetObject*', 's3:GetBucket*', 's3:Abort*'].map((action) =>
        nag(`IAM5[Action::${action}]`, 'The action groups of CDK\'s read and put grants, confined to the prefixes above.'),
      ),
      ...TASK_NAME_LIST.map((name) =>
        nag(`IAM5[Resource::${ref(tasks[name])}:*]`, 'The state machine invokes this task function (any version of it).'),
      ),
      nag(
        `IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/${this.trainer.taskDefinition.family}:*]`,
        'The state machine runs any revision of the GPU trainer task definition, and only on the trainer cluster.',
      ),
      nag(
        `IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${this.getLogicalId(this.trainer.cluster.node.defaultChild as CfnElement)}>/*]`,
        'The state machine watches and stops the tasks it started, on the trainer cluster only.',
      ),
      nag(
        'IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:container-instance/*]',
        'The GPU instances register themselves with ECS; instance ids are not known in advance.',
      ),
      nag(
        `IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.stackName}-search:*]`,
        'Cancelling stops executions of the search state machine only.',
      ),
    );
  }
}
