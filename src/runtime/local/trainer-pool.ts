/**
 * The local trial runner: a pool of trainer threads, one per core the search may use.
 * The workflow's training Tasks are bound to it, so the trials of the workflow's lanes
 * train in parallel; everything else runs on the main thread. The dataset is shared with the
 * threads once, not copied per trial.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Table } from '../../core/data/table.js';
import { ModelsmithError } from '../../core/errors.js';
import type { SearchEvent } from '../../ports/event-bus.js';
import type { TaskName } from '../../workflow/definition.js';
import type { BackendPreference } from '../backend.js';

export interface TrainerWorkerData {
  readonly endpoint: string;
  readonly tableName: string;
  readonly artifactsRoot: string;
  readonly dataRoots: readonly string[];
  /** Parsed datasets by resolved URI, in shared memory. */
  readonly tables: Readonly<Record<string, Table>>;
  readonly backend: BackendPreference;
}

export type WorkerReply =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: { name: string; message: string; context: Record<string, unknown> } };

/** An error raised in a trainer thread, re-raised here under its original name. */
export class TrainerError extends ModelsmithError {
  constructor(name: string, message: string, context: Record<string, unknown>) {
    super(message, { context });
    this.name = name;
  }
}

/** The thread died (out of memory, a native crash): retried by the workflow. */
export class WorkerCrashed extends ModelsmithError {}

export interface TrainerPool {
  readonly size: number;
  run(task: TaskName, input: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** Source files run through the TypeScript loader; built files run as they are. */
function workerFile(): { filename: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  return {
    filename: here.replace(/trainer-pool\.(ts|js)$/, `trainer-worker.$1`),
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  };
}

/** The number of trainer threads for a requested parallelism: never more than the cores. */
export function poolSizeFor(requested: number): number {
  return Math.max(1, Math.min(requested, availableParallelism()));
}

export function createTrainerPool(size: number, workerData: TrainerWorkerData, onEvent: (event: SearchEvent) => void): TrainerPool {
  const { filename, execArgv } = workerFile();
  const pool = new Piscina({
    filename,
    execArgv,
    workerData,
    minThreads: size,
    maxThreads: size,
    idleTimeout: 60_000,
    atomics: 'disabled',
    concurrentTasksPerWorker: 1,
  });
  pool.on('message', (message: { event?: SearchEvent }) => {
    if (message?.event) onEvent(message.event);
  });
  return {
    size,
    async run(task, input) {
      let reply: WorkerReply;
      try {
        reply = (await pool.run({ task, input })) as WorkerReply;
      } catch (error) {
        throw new WorkerCrashed(`a trainer thread stopped while running ${task}: ${(error as Error).message}`, { cause: error });
      }
      if (!reply.ok) throw new TrainerError(reply.error.name, reply.error.message, reply.error.context);
      return reply.output;
    },
    async close() {
      await pool.destroy();
    },
  };
}
