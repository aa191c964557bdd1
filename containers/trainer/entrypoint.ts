/**
 * The GPU trainer container's entrypoint: run the one workflow task named in its
 * environment (RunTrial or TrainFinalModel, with its JSON input) with the same use-case
 * code as the trainer Lambda, writing metrics to DynamoDB and artifacts to S3. The
 * container exits 0 when the task finished (a trial that failed on its own terms is a
 * finished task: it is recorded), and 1 when the task could not run, which fails the ECS
 * task and sends the workflow to its Catch.
 */
import { pathToFileURL } from 'node:url';
import { awsConfigFromEnv, awsServices } from '../../src/runtime/aws.js';
import { initBackend } from '../../src/runtime/backend.js';
import { describeError } from '../../src/core/errors.js';
import { readContainerTask } from '../../src/workflow/container-task.js';
import { runTask } from '../../src/workflow/tasks.js';

type Log = (entry: Record<string, unknown>) => void;

const jsonLog: Log = (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: 'modelsmith-trainer', ...entry })}\n`);

/** Run the task from `env`; resolves to the process exit code. */
export async function main(env: Readonly<Record<string, string | undefined>>, log: Log = jsonLog): Promise<number> {
  try {
    const { task, input } = readContainerTask(env);
    const backend = await initBackend('auto');
    log({ level: 'INFO', message: 'starting', task, input, backend: backend.detail });
    const output = await runTask(awsServices(awsConfigFromEnv(env), backend.name), task, input);
    log({ level: 'INFO', message: 'finished', task, output });
    return 0;
  } catch (error) {
    log({ level: 'ERROR', message: 'the task could not run', error: describeError(error) });
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.env);
}
