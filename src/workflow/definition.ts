/**
 * The search workflow's one definition (search.asl.json, Amazon States Language) and the
 * names of its Task states. Step Functions runs it in the cloud, with each `${Task}`
 * placeholder substituted by a function or integration ARN; the local engine runs the
 * very same file with each Task bound to the same handler code.
 */
import definition from './search.asl.json' with { type: 'json' };

/** Every Task state of the workflow, each bound to one use case. */
export const TASK_NAMES = [
  'StartSearch',
  'ProposeTrials',
  'RunTrial',
  'RecordTrialFailure',
  'RecordRound',
  'TrainFinalModel',
  'RegisterVersion',
  'FinishSearch',
  'FailSearch',
] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** The raw definition text with `${TaskName}` placeholders. */
export const SEARCH_DEFINITION_TEMPLATE: string = JSON.stringify(definition);

/** Substitute each Task's resource and parse the result. */
export function renderSearchDefinition(resources: Record<TaskName, string>): Record<string, unknown> {
  const text = SEARCH_DEFINITION_TEMPLATE.replace(/\$\{(\w+)\}/g, (match, name: string) => {
    const value = resources[name as TaskName];
    if (value === undefined) throw new Error(`the search definition names an unknown task ${name}`);
    return value;
  });
  return JSON.parse(text) as Record<string, unknown>;
}
