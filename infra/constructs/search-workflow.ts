/**
 * The search state machine: the workflow definition file the local engine runs
 * (src/workflow/search.asl.json), inlined into the template with its placeholders
 * substituted by the task functions' ARNs and the GPU trainer's cluster, task definition
 * and capacity provider. Logging and tracing are on; the role may invoke exactly those
 * functions, run exactly that task definition, and start this state machine (to continue
 * a long search in a fresh execution).
 */
import { readFileSync } from 'node:fs';
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TASK_NAMES, type SearchSubstitutions, type TaskName } from '../../src/workflow/definition.js';
import { projectPath } from '../config.js';
import type { GpuTrainer } from './gpu-trainer.js';

export class SearchWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: { tasks: Record<TaskName, lambda.IFunction>; trainer: GpuTrainer }) {
    super(scope, id);
    const stack = Stack.of(this);
    const stateMachineName = `${stack.stackName}-search`;
    const substitutions: SearchSubstitutions = {
      ...(Object.fromEntries(TASK_NAMES.map((name) => [name, props.tasks[name].functionArn])) as Record<TaskName, string>),
      TrainerCluster: props.trainer.cluster.clusterArn,
      TrainerTaskDefinition: props.trainer.taskDefinition.taskDefinitionArn,
      GpuCapacityProvider: props.trainer.capacityProvider.capacityProviderName,
    };
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(projectPath('src', 'workflow', 'search.asl.json'), 'utf8')),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    const role = this.stateMachine.role;
    for (const name of TASK_NAMES) props.tasks[name].grantInvoke(role);

    // ECS runTask.sync: run the trainer task, watch it, and stop it if the state is aborted.
    const task = props.trainer.taskDefinition;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${task.family}:*` })],
        conditions: { ArnEquals: { 'ecs:cluster': props.trainer.cluster.clusterArn } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.trainer.cluster.clusterName}/*` })],
      }),
    );
    const roles = [task.taskRole, ...(task.executionRole ? [task.executionRole] : [])];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: roles.map((r) => r.roleArn) }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' })],
      }),
    );
    // Continue-as-new: start a fresh execution of this same state machine.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
  }
}
