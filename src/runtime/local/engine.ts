/**
 * The local engine: runs the search workflow's Amazon States Language definition with
 * aws-local-stepfunctions, each Task state bound to the same use case its Lambda runs —
 * training Tasks on the trainer thread pool, the rest on the main thread — against the
 * embedded store. Specs and datasets are validated before anything is written.
 */
import './polyfills.js';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { StateMachine } from 'aws-local-stepfunctions';
import { LocalDatasetSource } from '../../adapters/filesystem/dataset-source.js';
import { failSearch } from '../../app/finish-search.js';
import { prepareSearch, validateWarmStart } from '../../app/start-search.js';
import type { Services } from '../../app/services.js';
import { shareTable } from '../../core/data/table.js';
import { SearchError, SpecError } from '../../core/errors.js';
import { parseSpecText } from '../../core/spec/parse.js';
import type { SearchEvent } from '../../ports/event-bus.js';
import { isRejected, type SearchRecord, type TrialRecord } from '../../ports/records.js';
import { containerEnvironment, readContainerTask } from '../../workflow/container-task.js';
import {
  CONTAINER_STATES,
  CONTINUE_STATE,
  renderSearchDefinition,
  TASK_NAMES,
  type SearchSubstitutions,
  type TaskName,
} from '../../workflow/definition.js';
import { runTask, TASKS } from '../../workflow/tasks.js';
import type { BackendPreference } from '../backend.js';
import { newSearchId } from '../ids.js';
import { assembleServices } from '../services.js';
import { routeDeployments } from './deployments.js';
import { openLocalStore, type LocalStore } from './store.js';
import { createTrainerPool, poolSizeFor, type TrainerPool } from './trainer-pool.js';

export interface LocalSearchOptions {
  /** The modelsmith home folder (store, artifacts, event log). */
  readonly home: string;
  /** Extra folders datasets may be read from, besides the spec's folder and the working directory. */
  readonly dataRoots?: readonly string[];
  /** Cap on trainer threads (default: the spec's maxParallel, capped by the cores). */
  readonly workers?: number;
  readonly backend?: BackendPreference;
  /** Sees every event the search publishes, in order. */
  readonly onEvent?: (event: SearchEvent) => void;
  /** Called once the search is recorded, with its id and pool size. */
  readonly onStart?: (info: { searchId: string; workers: number; spec: SearchRecord['spec'] }) => void;
  /** Aborts the run (the search stays resumable). */
  readonly signal?: AbortSignal;
}

export interface LocalSearchResult {
  readonly search: SearchRecord;
  readonly trials: readonly TrialRecord[];
}

/** What the local engine substitutes into the definition; only the values' shapes matter. */
const LOCAL_SUBSTITUTIONS: SearchSubstitutions = {
  ...(Object.fromEntries(TASK_NAMES.map((name) => [name, `arn:aws:lambda:us-east-1:000000000000:function:modelsmith-${name}`])) as Record<
    TaskName,
    string
  >),
  TrainerCluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/modelsmith-local',
  TrainerTaskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/modelsmith-trainer:1',
  GpuCapacityProvider: 'modelsmith-local-gpu',
};

const LOCAL_STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:modelsmith-search';

/**
 * How long a local lane waits before asking the strategy again (milliseconds): asking
 * costs a store read here, not a billed state transition, so it asks often.
 */
const LOCAL_WAIT_MS = { WaitForTrials: 100 };

/** Read and validate a spec file; throws SpecError naming the file. */
export async function readSpecFile(path: string): Promise<{ raw: unknown; spec: ReturnType<typeof parseSpecText> }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SpecError([{ path: '', message: `cannot read the spec file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }], path);
  }
  const spec = parseSpecText(text, path);
  return { raw: parseDocument(text).toJS(), spec };
}

function localServices(store: LocalStore, datasets: LocalDatasetSource): Services {
  // The main thread trains nothing: training tasks run on the trainer threads.
  return assembleServices({ metadata: store.metadata, artifacts: store.artifacts, events: store.events, datasets, backend: 'none' });
}

/**
 * The local binding of every Task state: use-case Tasks run their use case (training ones
 * on the trainer threads); the GPU container states run the task named in the container
 * environment they would pass to ECS, also on the trainer threads; continuing as a new
 * execution is remembered and done by {@link execute} once this execution ends.
 */
function localHandlers(services: Services, pool: TrainerPool, continuation: { input?: unknown }) {
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of TASK_NAMES) {
    handlers[name] = async (input) => (TASKS[name].trains ? pool.run(name, input) : runTask(services, name, input));
  }
  for (const state of Object.keys(CONTAINER_STATES)) {
    handlers[state] = async (request) => {
      const { task, input } = readContainerTask(containerEnvironment(request));
      await pool.run(task, input);
      return {};
    };
  }
  handlers[CONTINUE_STATE] = async (request) => {
    continuation.input = (request as { Input: unknown }).Input;
    return {};
  };
  return handlers;
}

/** Runs the definition (and its continuations); resolves to the execution's error when it failed. */
async function execute(
  services: Services,
  pool: TrainerPool,
  input: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<Error | undefined> {
  const machine = new StateMachine(renderSearchDefinition(LOCAL_SUBSTITUTIONS) as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  let next: unknown = input;
  while (next !== undefined) {
    const continuation: { input?: unknown } = {};
    const execution = machine.run(next as never, {
      overrides: { taskResourceLocalHandlers: localHandlers(services, pool, continuation) as never, waitTimeOverrides: LOCAL_WAIT_MS },
      context: { StateMachine: { Id: LOCAL_STATE_MACHINE } },
    });
    const abort = () => execution.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await execution.result;
    } catch (error) {
      // A failed execution has already recorded why (FailSearch); the record tells the caller.
      if ((error as Error).name === 'ExecutionAbortedError' || signal?.aborted) throw error;
      return error as Error;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    next = continuation.input;
  }
  return undefined;
}

async function withRun<T>(
  options: LocalSearchOptions,
  dataRoots: readonly string[],
  tables: Record<string, ReturnType<typeof shareTable>>,
  workers: number,
  body: (services: Services, pool: TrainerPool, store: LocalStore) => Promise<T>,
): Promise<T> {
  const store = await openLocalStore(options.home);
  const unsubscribe = options.onEvent ? store.events.subscribe(options.onEvent) : () => {};
  const datasets = new LocalDatasetSource(dataRoots);
  const services = localServices(store, datasets);
  const pool = createTrainerPool(
    workers,
    {
      endpoint: store.endpoint,
      tableName: store.tableName,
      artifactsRoot: store.artifactsRoot,
      dataRoots,
      tables,
      backend: options.backend ?? 'auto',
    },
    (event) => void store.events.publish(event),
  );
  const deployments = routeDeployments(store.events, services);
  try {
    const result = await body(services, pool, store);
    // The registered version's edge bundle is part of a finished search.
    await deployments.drain();
    return result;
  } finally {
    deployments.stop();
    unsubscribe();
    await pool.close();
    await store.close();
  }
}

/**
 * The recorded outcome of a run. An execution that failed outside any Catch (a workflow
 * engine error) never reached FailSearch; the search is marked failed here instead.
 */
async function outcome(services: Services, store: LocalStore, searchId: string, failure: Error | undefined): Promise<LocalSearchResult> {
  let search = await store.metadata.getSearch(searchId);
  const cause = failure ? String((failure as { cause?: unknown }).cause ?? failure.message) : '';
  if (!search || isRejected(search)) {
    throw new SearchError(`search ${searchId} could not be recorded${cause ? `: ${cause}` : ''}`, { cause: failure });
  }
  if (failure && search.status === 'running') {
    await failSearch(services, { searchId, error: { Error: 'WorkflowError', Cause: cause } });
    search = (await store.metadata.getSearch(searchId)) as SearchRecord;
  }
  return { search, trials: await store.metadata.listTrials(searchId) };
}

/** Run a search from a spec file to completion (or failure) on this machine. */
export async function runLocalSearch(specPath: string, options: LocalSearchOptions): Promise<LocalSearchResult> {
  const { raw, spec } = await readSpecFile(specPath);
  const base = dirname(resolve(specPath));
  const dataRoots = [base, process.cwd(), ...(options.dataRoots ?? [])];
  // Everything is validated before the store is touched: a bad spec writes nothing.
  const context = await prepareSearch(new LocalDatasetSource(dataRoots), raw, specPath, base);
  const workers = Math.min(poolSizeFor(spec.budget.maxParallel), options.workers ?? Infinity);
  const tables = { [context.datasetUri]: shareTable(context.problem.table) };
  const searchId = newSearchId(spec.name, new Date());
  return withRun(options, dataRoots, tables, workers, async (services, pool, store) => {
    // Warm starts name earlier searches, so they are checked against the store.
    await validateWarmStart(store.metadata, context);
    services.cache.set(`context:${searchId}`, Promise.resolve(context));
    options.onStart?.({ searchId, workers, spec: context.spec });
    const failure = await execute(services, pool, { searchId, spec: raw, source: specPath, base }, options.signal);
    return outcome(services, store, searchId, failure);
  });
}

/** Resume a search that was stopped while running: finished trials are kept, the rest run. */
export async function resumeLocalSearch(searchId: string, options: LocalSearchOptions): Promise<LocalSearchResult> {
  const probe = await openLocalStore(options.home);
  const search = await probe.metadata.getSearch(searchId).finally(() => probe.close());
  if (!search) throw new SpecError([{ path: '', message: `no search ${searchId} in ${options.home}` }]);
  if (isRejected(search)) throw new SpecError([{ path: '', message: `search ${searchId} was rejected and cannot resume: ${search.error.message}` }]);
  const datasetPath = new URL(search.dataset.uri).pathname;
  const dataRoots = [dirname(datasetPath), process.cwd(), ...(options.dataRoots ?? [])];
  const workers = Math.min(poolSizeFor(search.spec.budget.maxParallel), options.workers ?? Infinity);
  return withRun(options, dataRoots, {}, workers, async (services, pool, store) => {
    options.onStart?.({ searchId, workers, spec: search.spec });
    const failure = await execute(services, pool, { searchId, spec: search.spec, source: search.source, base: dirname(datasetPath) }, options.signal);
    return outcome(services, store, searchId, failure);
  });
}
