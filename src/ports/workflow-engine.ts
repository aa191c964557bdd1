/**
 * The workflow engine port: starting and stopping executions of the search workflow.
 * Adapter: Step Functions in the cloud (the local engine drives its own runs).
 */

export interface WorkflowEngine {
  /** Start the search workflow for a search; starting the same search twice is harmless. */
  start(searchId: string, input: Record<string, unknown>): Promise<{ executionArn: string }>;
  /** Stop a running search's execution; a finished one is left as it is. */
  stop(searchId: string, reason: string): Promise<void>;
}
