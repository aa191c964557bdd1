/**
 * The search workflow's one definition (search.asl.json, Amazon States Language) and the
 * names its placeholders stand for. Step Functions runs it in the cloud with each
 * `${Name}` substituted (Lambda ARNs for the use-case Tasks, the GPU trainer's cluster,
 * task definition and network); the local engine runs the very same file with each Task
 * bound to the same handler code.
 */
import definition from './search.asl.json' with { type: 'json' };

/** Task states that run a use case in a Lambda function (placeholder = the function's ARN). */
export const TASK_NAMES = [
  'StartSearch',
  'ProposeTrial',
  'RunTrial',
  'RecordTrialFailure',
  'RecordProgress',
  'SelectBest',
  'TrainFinalModel',
  'RegisterVersion',
  'FinishSearch',
  'FailSearch',
] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** Task states that run a use case in the GPU trainer container (ECS `runTask.sync`). */
export const CONTAINER_STATES = { RunTrialOnGpu: 'RunTrial', TrainFinalModelOnGpu: 'TrainFinalModel' } as const satisfies Record<string, TaskName>;

/** The state that continues a long search in a fresh execution. */
export const CONTINUE_STATE = 'ContinueAsNewExecution';

/** Placeholders for the GPU trainer's resources. */
export const TRAINER_PLACEHOLDERS = ['TrainerCluster', 'TrainerTaskDefinition', 'GpuCapacityProvider'] as const;

export type SearchSubstitutions = Record<TaskName | (typeof TRAINER_PLACEHOLDERS)[number], string>;

/** The environment variables that tell the trainer container which task to run. */
export const CONTAINER_TASK_ENV = { name: 'MODELSMITH_TASK_NAME', input: 'MODELSMITH_TASK_INPUT' } as const;

/** The raw definition text with `${Name}` placeholders. */
export const SEARCH_DEFINITION_TEMPLATE: string = JSON.stringify(definition, null, 2);

/** Every placeholder the definition uses. */
export function placeholdersOf(template: string = SEARCH_DEFINITION_TEMPLATE): string[] {
  return [...new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] as string))].sort();
}

/** Substitute every placeholder and parse the result. */
export function renderSearchDefinition(substitutions: SearchSubstitutions): Record<string, unknown> {
  const text = SEARCH_DEFINITION_TEMPLATE.replace(/\$\{(\w+)\}/g, (_match, name: string) => {
    const value = (substitutions as Record<string, string>)[name];
    if (value === undefined) throw new Error(`the search definition names an unknown placeholder ${name}`);
    return value;
  });
  return JSON.parse(text) as Record<string, unknown>;
}
