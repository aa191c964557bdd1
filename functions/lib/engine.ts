/** The Step Functions workflow engine for handlers that start or stop searches. */
import { StepFunctionsWorkflowEngine } from '../../src/adapters/stepfunctions/workflow-engine.js';
import { ConfigurationError, awsClients } from '../../src/runtime/aws.js';
import { cloudConfig } from './lambda.js';

let engine: StepFunctionsWorkflowEngine | undefined;

export function workflowEngine(): StepFunctionsWorkflowEngine {
  if (!engine) {
    const config = cloudConfig();
    if (!config.stateMachineArn) throw new ConfigurationError('the function is missing settings: MODELSMITH_STATE_MACHINE_ARN (set by the deployment)');
    engine = new StepFunctionsWorkflowEngine(awsClients(config).sfn, config.stateMachineArn);
  }
  return engine;
}
