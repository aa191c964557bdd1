/**
 * A trainer thread: runs the workflow's training tasks (RunTrial, TrainFinalModel) with
 * the same use-case code a trainer Lambda runs. It reaches the local store over its
 * DynamoDB endpoint, reads the search's dataset from memory shared by the main thread,
 * and forwards its events to the main thread's event bus.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DynamoMetadataStore } from '../../adapters/dynamodb/metadata-store.js';
import { FileArtifactStore } from '../../adapters/filesystem/artifact-store.js';
import { LocalDatasetSource } from '../../adapters/filesystem/dataset-source.js';
import type { Services } from '../../app/services.js';
import { describeError, ModelsmithError } from '../../core/errors.js';
import type { TaskName } from '../../workflow/definition.js';
import { runTask } from '../../workflow/tasks.js';
import { initBackend } from '../backend.js';
import { warmUpTraining } from '../warm-up.js';
import { assembleServices } from '../services.js';
import { localDynamoClient } from './store.js';
import type { TrainerWorkerData, WorkerReply } from './trainer-pool.js';

const data = workerData as TrainerWorkerData;

async function createServices(): Promise<Services> {
  const backend = await initBackend(data.backend);
  await warmUpTraining();
  const cache = new Map<string, unknown>();
  for (const [uri, table] of Object.entries(data.tables)) cache.set(`table:${uri}`, table);
  return assembleServices({
    metadata: new DynamoMetadataStore(localDynamoClient(data.endpoint), data.tableName),
    artifacts: new FileArtifactStore(data.artifactsRoot),
    events: { publish: async (event) => void parentPort?.postMessage({ event }) },
    datasets: new LocalDatasetSource(data.dataRoots),
    backend: backend.name,
    cache,
  });
}

// Started with the thread, not with its first task: loading the backend and warming up
// its training paths overlap with the main thread's own start of the search.
const services: Promise<Services> = createServices();
/** Settles once the thread's backend is loaded and warmed up (a failure is reported by the first task). */
const ready: Promise<void> = services.then(
  () => undefined,
  () => undefined,
);

/** Run one task; errors come back as data so their names survive the thread boundary. */
async function run(request: { task: TaskName; input: unknown }): Promise<WorkerReply> {
  try {
    return { ok: true, output: await runTask(await services, request.task, request.input) };
  } catch (error) {
    const context = error instanceof ModelsmithError ? error.context : {};
    return { ok: false, error: { ...describeError(error), context: JSON.parse(JSON.stringify(context ?? {})) } };
  }
}

/**
 * The task handler, once the thread is ready: the pool sends a thread tasks only when this
 * resolves, so a trial never waits on a warming thread while another thread is free.
 */
export default ready.then(() => run);
