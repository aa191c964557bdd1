/**
 * The contract between the workflow and the GPU trainer container: the ECS `runTask.sync`
 * state passes the task's name and JSON input as two environment variables of the
 * `trainer` container. The container entrypoint reads them from its environment; the local
 * engine reads them from the RunTask request the state would send.
 */
import { z } from 'zod';
import { SpecError } from '../core/errors.js';
import { CONTAINER_TASK_ENV, TASK_NAMES, type TaskName } from './definition.js';

/** The container name the definition's overrides address. */
export const TRAINER_CONTAINER = 'trainer';

export interface ContainerTask {
  readonly task: TaskName;
  readonly input: unknown;
}

/** Read the task a trainer container was started for. */
export function readContainerTask(env: Readonly<Record<string, string | undefined>>): ContainerTask {
  const task = env[CONTAINER_TASK_ENV.name];
  const input = env[CONTAINER_TASK_ENV.input];
  if (!task || !(TASK_NAMES as readonly string[]).includes(task)) {
    throw new SpecError([{ path: CONTAINER_TASK_ENV.name, message: `expected one of ${TASK_NAMES.join(', ')}; got ${JSON.stringify(task)}` }]);
  }
  if (input === undefined) throw new SpecError([{ path: CONTAINER_TASK_ENV.input, message: 'missing: the task input as JSON' }]);
  try {
    return { task: task as TaskName, input: JSON.parse(input) };
  } catch (error) {
    throw new SpecError([{ path: CONTAINER_TASK_ENV.input, message: `not JSON: ${(error as Error).message}` }]);
  }
}

const RunTaskRequest = z.object({
  Overrides: z.object({
    ContainerOverrides: z.array(
      z.object({ Name: z.string(), Environment: z.array(z.object({ Name: z.string(), Value: z.string() })).default([]) }),
    ),
  }),
});

/** The trainer container's environment in an ECS RunTask request. */
export function containerEnvironment(request: unknown): Record<string, string> {
  const parsed = RunTaskRequest.parse(request);
  const container = parsed.Overrides.ContainerOverrides.find((c) => c.Name === TRAINER_CONTAINER);
  return Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
}
