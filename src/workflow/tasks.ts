/**
 * The workflow's Task table: which use case each Task state runs and whether it trains
 * (heavy tasks go to trainer workers, Lambda trainers or GPU containers). Lambda handlers,
 * the container entrypoint and the local engine all dispatch through this one table.
 */
import { failSearch, finishSearch } from '../app/finish-search.js';
import { proposeTrial } from '../app/propose-trial.js';
import { recordProgress } from '../app/record-progress.js';
import { recordTrialFailure } from '../app/record-trial-failure.js';
import { registerVersion } from '../app/register-version.js';
import { runTrial } from '../app/run-trial.js';
import { selectBest } from '../app/select-best.js';
import type { Services } from '../app/services.js';
import { startSearch } from '../app/start-search.js';
import { trainFinalModel } from '../app/train-final-model.js';
import type { TaskName } from './definition.js';

export interface TaskBinding {
  // Inputs are validated by each use case's own schema.
  readonly run: (services: Services, input: never) => Promise<unknown>;
  /** True for tasks that train models. */
  readonly trains: boolean;
}

export const TASKS: Record<TaskName, TaskBinding> = {
  StartSearch: { run: startSearch, trains: false },
  ProposeTrial: { run: proposeTrial, trains: false },
  RunTrial: { run: runTrial, trains: true },
  RecordTrialFailure: { run: recordTrialFailure, trains: false },
  RecordProgress: { run: recordProgress, trains: false },
  SelectBest: { run: selectBest, trains: false },
  TrainFinalModel: { run: trainFinalModel, trains: true },
  RegisterVersion: { run: registerVersion, trains: false },
  FinishSearch: { run: finishSearch, trains: false },
  FailSearch: { run: failSearch, trains: false },
};

/** Run a task by name with an untyped (JSON) input. */
export function runTask(services: Services, name: TaskName, input: unknown): Promise<unknown> {
  return TASKS[name].run(services, input as never);
}
