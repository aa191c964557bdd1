/**
 * The workflow engine port on Step Functions. Each search is one execution named after
 * the search id, so starting it twice returns the same execution (Step Functions treats a
 * repeated name with the same input as the same request) and stopping needs no lookup.
 */
import { ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ConflictError } from '../../core/errors.js';
import type { WorkflowEngine } from '../../ports/workflow-engine.js';

/** The ARN of the execution running a search under a state machine. */
export function executionArnOf(stateMachineArn: string, searchId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${searchId}`;
}

export class StepFunctionsWorkflowEngine implements WorkflowEngine {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(searchId: string, input: Record<string, unknown>): Promise<{ executionArn: string }> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: searchId, input: JSON.stringify(input) }),
      );
      return { executionArn: out.executionArn ?? executionArnOf(this.stateMachineArn, searchId) };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) {
        throw new ConflictError(`search ${searchId} was already started with a different request`, { cause: error });
      }
      throw error;
    }
  }

  async stop(searchId: string, reason: string): Promise<void> {
    try {
      await this.client.send(
        new StopExecutionCommand({ executionArn: executionArnOf(this.stateMachineArn, searchId), error: 'SearchCancelled', cause: reason }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExist)) throw error;
    }
  }
}
