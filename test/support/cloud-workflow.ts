/**
 * Runs the state machine exactly as synthesized — its definition and substitutions read
 * from the CloudFormation template, not from the source file — with aws-local-stepfunctions,
 * binding every Task state to the code the cloud would run there: Lambda states to the
 * handler file of the function their ARN points at, the ECS states to the trainer
 * container's entrypoint with the environment the RunTask request carries, and the
 * continue-as-new state to StartExecution on the local cloud's Step Functions stand-in.
 */
import '../../src/runtime/local/polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../../infra/app.js';
import { ModelsmithFunction } from '../../infra/constructs/modelsmith-function.js';
import { main as trainerMain } from '../../containers/trainer/entrypoint.js';
import { containerEnvironment } from '../../src/workflow/container-task.js';
import { PROJECT_ROOT, tempDir } from '../helpers.js';
import { lambdaContext } from './local-cloud.js';

type Handler = (input: unknown) => Promise<unknown>;

export interface SynthesizedWorkflow {
  /** The definition with every placeholder substituted by a local stand-in value. */
  readonly definition: Record<string, unknown>;
  /** Lambda ARN (as substituted) to the function's handler file under functions/. */
  readonly functions: ReadonlyMap<string, string>;
}

/** Synthesize the app (without bundling) and read the state machine out of the template. */
export async function synthesizeWorkflow(): Promise<SynthesizedWorkflow> {
  const out = await tempDir('modelsmith-cdk-');
  try {
    const { app, stack } = buildApp({ outdir: out.path, bundle: false });
    app.synth();
    const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const [machine] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    if (!machine) throw new Error('the template has no state machine');
    const text = machine.Properties.DefinitionString as string;
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const entries = new Map<string, string>();
    for (const construct of stack.node.findAll()) {
      if (construct instanceof ModelsmithFunction) entries.set(stack.getLogicalId(construct.node.defaultChild as CfnElement), construct.entryFile);
    }
    const functions = new Map<string, string>();
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(substitutions)) {
      const ref = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
      const logicalId = ref['Fn::GetAtt']?.[0] ?? ref.Ref ?? name;
      const entry = entries.get(logicalId);
      if (entry) {
        const arn = `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`;
        functions.set(arn, entry);
        values[name] = arn;
      } else {
        values[name] = `arn:aws:ecs:us-east-1:123456789012:${name.toLowerCase()}/${logicalId}`;
      }
    }
    const rendered = text.replace(/\$\{(\w+)\}/g, (_m, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`the template substitutes nothing for \${${name}}`);
      return value;
    });
    return { definition: JSON.parse(rendered) as Record<string, unknown>, functions };
  } finally {
    await out.cleanup();
  }
}

type States = Record<string, { Type: string; Resource?: string; ItemProcessor?: { States: States } }>;

function taskStates(states: States): [string, string][] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' && state.Resource ? [[name, state.Resource] as [string, string]] : []),
    ...(state.ItemProcessor ? taskStates(state.ItemProcessor.States) : []),
  ]);
}

/** The real code behind every Task state; `wrap` may inject faults around any of them. */
export async function bindHandlers(
  workflow: SynthesizedWorkflow,
  wrap: (state: string, handler: Handler) => Handler = (_state, handler) => handler,
): Promise<Record<string, Handler>> {
  const handlers: Record<string, Handler> = {};
  for (const [state, resource] of taskStates((workflow.definition as { States: States }).States)) {
    let handler: Handler;
    const entry = workflow.functions.get(resource);
    if (entry) {
      const module = (await import(pathToFileURL(join(PROJECT_ROOT, 'functions', entry)).href)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
      handler = (input) => module.handler(input, lambdaContext(state));
    } else if (resource === 'arn:aws:states:::ecs:runTask.sync') {
      handler = async (request) => {
        const code = await trainerMain({ ...process.env, ...containerEnvironment(request) }, () => {});
        if (code !== 0) throw Object.assign(new Error(`the trainer container exited with ${code}`), { name: 'States.TaskFailed' });
        return {};
      };
    } else if (resource === 'arn:aws:states:::states:startExecution') {
      handler = async (request) => {
        const { StateMachineArn, Input } = request as { StateMachineArn: string; Input: { searchId: string } };
        const client = new SFNClient({});
        const out = await client.send(
          new StartExecutionCommand({ stateMachineArn: StateMachineArn, name: `${Input.searchId}-continued-${Date.now()}`, input: JSON.stringify(Input) }),
        );
        client.destroy();
        return out;
      };
    } else {
      throw new Error(`no local binding for ${state} (${resource})`);
    }
    handlers[state] = wrap(state, handler);
  }
  return handlers;
}

/** Run the synthesized state machine once to its end. */
export async function runWorkflow(
  workflow: SynthesizedWorkflow,
  input: Record<string, unknown>,
  handlers: Record<string, Handler>,
  stateMachineArn: string,
): Promise<{ output?: unknown; error?: Error }> {
  const machine = new StateMachine(workflow.definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((s) => [s, 0])) },
    context: { StateMachine: { Id: stateMachineArn } },
  });
  try {
    return { output: await execution.result };
  } catch (error) {
    return { error: error as Error };
  }
}
