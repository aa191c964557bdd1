/**
 * Memory stays flat across trials in one trainer thread. 50 small iris trials run one
 * after another through the trainer worker's entry point (the function the thread pool
 * calls for RunTrial), in a real worker thread against the embedded store; after each
 * trial the thread reports its tfjs tensor count and bytes, the wasm heap size and its
 * JavaScript heap after full garbage collections. Tensors and bytes must come back
 * exactly to their level before the first trial, the wasm heap must stop growing once
 * warm, and the JavaScript heap must not trend upwards (a robust slope, with a tolerance
 * well below what keeping one trial's models would add). A self-check then runs more
 * trials in the same thread while deliberately keeping one small tensor and a little
 * JavaScript memory per trial, and the same analysis must flag both: the test can fail.
 *
 * What holds memory without being this project's leak, and how it is accounted for:
 * - tfjs-layers' executor caches the topologically sorted graph of the last
 *   `TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES` (100) fetch keys in an LRU, and every
 *   `model.predict` of a new model adds a key (tensor names are unique per model), so the
 *   JavaScript graphs of the last 100 predicted models stay reachable after `dispose()`.
 *   That is bounded, but 50 trials × 2 folds fill it exactly, so it would look like a
 *   steady leak here; the thread lowers the cap to 2 so that anything else shows.
 * - V8 keeps compiling and optimizing code over the first trials: compiled code and
 *   bytecode are left out of the heap measure.
 * - tfjs-layers' `getUniqueTensorName` records every tensor name it hands out in a
 *   module-level Map that is never pruned: a few dozen short strings per model, about
 *   1-2 KiB per trial here. Unbounded but small; it stays under the tolerance.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDatasetSource } from '../../src/adapters/filesystem/dataset-source.js';
import type { SearchContext } from '../../src/app/context.js';
import { proposeTrial } from '../../src/app/propose-trial.js';
import type { Services } from '../../src/app/services.js';
import { startSearch } from '../../src/app/start-search.js';
import { shareTable, type Table } from '../../src/core/data/table.js';
import { openLocalStore, type LocalStore } from '../../src/runtime/local/store.js';
import type { TrainerWorkerData } from '../../src/runtime/local/trainer-pool.js';
import { assembleServices } from '../../src/runtime/services.js';
import { DATASETS, PROJECT_ROOT, irisSpecInput, tempDir } from '../helpers.js';

/** What the thread reports after each trial (and once before the first). */
interface Sample {
  readonly tensors: number;
  readonly dataBuffers: number;
  readonly bytes: number;
  /** Size of the wasm backend's linear memory, or null on another backend. */
  readonly wasmHeap: number | null;
  /** V8 heap in use after full collections, less compiled code and bytecode. */
  readonly jsHeap: number;
  readonly status?: string;
}

const TRIALS = 50;
const LEAKY_TRIALS = 20;
/** Trials run before the heaps are expected to have reached their working size. */
const WARMUP = 10;
/**
 * Largest JavaScript heap trend tolerated, as a Theil-Sen slope (robust to the odd
 * collection that finds more garbage) over the trials after warm-up. Runs of this test
 * measured 2-7 KiB per trial, shrinking as the thread warms; keeping one trial's two iris
 * models with their layer graphs would add 30-40 KiB per trial.
 */
const JS_HEAP_SLOPE_LIMIT = 16 * 1024;
/** Largest wasm heap growth tolerated after warm-up (the allocator may still grow a little). */
const WASM_HEAP_GROWTH_LIMIT = 1024 * 1024;
/** JavaScript objects the self-check keeps per trial: about 70 KiB. */
const LEAKED_OBJECTS = 2000;

/** tsx's ESM loader API, as a file URL the eval'd thread can import. */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const entry = manifest.exports['./esm/api']?.import?.default;
  if (!entry) throw new Error('tsx does not export ./esm/api');
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}

/**
 * The probe thread: imports the trainer worker's module as ESM (as a built trainer
 * thread does; TypeScript through tsx's loader registered in this thread), then runs one
 * RunTrial per request and reports memory. `gc` comes from V8 flags set at run time,
 * since worker threads cannot take --expose-gc.
 */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const v8 = require('node:v8');
const vm = require('node:vm');
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const probe = workerData.probe;
const tf = createRequire(probe.projectPackage)('@tensorflow/tfjs');
const kept = [];
let trainer;

async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function sample(status) {
  await settle();
  const memory = tf.memory();
  const backend = tf.getBackend() === 'wasm' ? tf.backend() : undefined;
  const code = v8.getHeapCodeStatistics();
  return {
    tensors: memory.numTensors,
    dataBuffers: memory.numDataBuffers,
    bytes: memory.numBytes,
    wasmHeap: backend ? backend.wasm.HEAPU8.buffer.byteLength : null,
    jsHeap: v8.getHeapStatistics().used_heap_size - code.code_and_metadata_size - code.bytecode_and_metadata_size,
    ...(status ? { status } : {}),
  };
}

parentPort.on('message', async (message) => {
  try {
    if (message.type === 'init') {
      (await import(probe.tsxEsmApi)).register();
      const worker = await import(probe.trainerWorker);
      // The thread warms up on load and hands out its handler once ready, as the pool sees it;
      // the baseline is sampled after that, as a trial would start.
      trainer = await worker.default;
      const info = await (await import(probe.backend)).initBackend(workerData.backend);
      tf.env().set('TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES', probe.sortCacheEntries);
      parentPort.postMessage({ ok: true, backend: info.detail, sample: await sample() });
      return;
    }
    const reply = await trainer({ task: 'RunTrial', input: message.input });
    if (!reply.ok) throw new Error(reply.error.name + ': ' + reply.error.message);
    if (message.leak) {
      kept.push(tf.zeros([64]));
      kept.push(Array.from({ length: message.leak }, (_, i) => ({ i })));
    }
    parentPort.postMessage({ ok: true, sample: await sample(reply.output.status) });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String((error && error.stack) || error) });
  }
});
`;

/** One request at a time to the probe thread. */
class ProbeThread {
  private readonly worker: Worker;

  constructor(data: TrainerWorkerData) {
    const source = (path: string) => pathToFileURL(join(PROJECT_ROOT, path)).href;
    this.worker = new Worker(PROBE, {
      eval: true,
      workerData: {
        ...data,
        probe: {
          projectPackage: join(PROJECT_ROOT, 'package.json'),
          tsxEsmApi: tsxEsmApi(),
          trainerWorker: source('src/runtime/local/trainer-worker.ts'),
          backend: source('src/runtime/backend.ts'),
          sortCacheEntries: 2,
        },
      },
    });
  }

  private request<T>(message: object): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: { ok?: boolean; error?: string }) => {
        // The trainer forwards its search events to the host thread; only replies end a request.
        if (reply.ok === undefined) return;
        this.worker.off('message', onMessage);
        this.worker.off('error', reject);
        if (reply.ok) resolve(reply as T);
        else reject(new Error(reply.error));
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
      this.worker.postMessage(message);
    });
  }

  init(): Promise<{ backend: string; sample: Sample }> {
    return this.request({ type: 'init' });
  }

  async trial(searchId: string, number: number, leak?: number): Promise<Sample> {
    return (await this.request<{ sample: Sample }>({ type: 'trial', input: { searchId, number }, leak })).sample;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Theil-Sen slope of `values` against their index: the median of all pairwise slopes. */
function slope(values: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) slopes.push(((values[j] as number) - (values[i] as number)) / (j - i));
  }
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  if (slopes.length === 0) return 0;
  return slopes.length % 2 ? (slopes[mid] as number) : ((slopes[mid - 1] as number) + (slopes[mid] as number)) / 2;
}

/** Everything that looks like a leak in a run's samples; empty when memory stayed flat. */
function leaksIn(before: Sample, after: readonly Sample[]): string[] {
  const problems: string[] = [];
  const last = after.at(-1);
  const warm = after[WARMUP - 1];
  if (!last || !warm) return [`only ${after.length} trials ran`];
  if (last.tensors !== before.tensors) problems.push(`tensors: ${before.tensors} before the trials, ${last.tensors} after`);
  if (last.dataBuffers !== before.dataBuffers) problems.push(`data buffers: ${before.dataBuffers} before, ${last.dataBuffers} after`);
  if (last.bytes !== before.bytes) problems.push(`tensor bytes: ${before.bytes} before, ${last.bytes} after`);
  const stray = after.findIndex((s) => s.tensors !== before.tensors);
  if (stray >= 0 && last.tensors === before.tensors) problems.push(`tensors left over after trial ${stray + 1}, freed later`);
  if (warm.wasmHeap !== null && last.wasmHeap !== null && last.wasmHeap - warm.wasmHeap > WASM_HEAP_GROWTH_LIMIT) {
    problems.push(`wasm heap grew ${last.wasmHeap - warm.wasmHeap} bytes after warm-up`);
  }
  const trend = slope(after.slice(WARMUP).map((s) => s.jsHeap));
  if (trend > JS_HEAP_SLOPE_LIMIT) problems.push(`JavaScript heap grows ${(trend / 1024).toFixed(1)} KiB per trial`);
  return problems;
}

let home: Awaited<ReturnType<typeof tempDir>>;
let store: LocalStore;
let services: Services;

beforeAll(async () => {
  home = await tempDir();
  store = await openLocalStore(home.path);
  // The host thread trains nothing, as in the local engine.
  services = assembleServices({
    metadata: store.metadata,
    artifacts: store.artifacts,
    events: store.events,
    datasets: new LocalDatasetSource([DATASETS]),
    backend: 'none',
  });
});
afterAll(async () => {
  await store.close();
  await home.cleanup();
});

/** Start an iris search of `trials` small MLPs (2 folds, 4 epochs); returns its dataset, shared. */
async function startIrisSearch(searchId: string, trials: number): Promise<{ uri: string; table: Table }> {
  const spec = irisSpecInput({
    name: searchId,
    evaluation: { folds: 2, patience: 100 },
    space: {
      family: 'mlp',
      learningRate: { min: 0.005, max: 0.05, log: true },
      batchSize: 16,
      epochs: 4,
      mlp: { layers: { min: 1, max: 2 }, units: { min: 4, max: 24 }, dropout: [0, 0.1] },
    },
    strategy: 'random',
    budget: { maxTrials: trials, maxParallel: 10 },
    seed: 21,
  } as never);
  await startSearch(services, { searchId, spec, source: 'inline', base: DATASETS });
  const context = await (services.cache.get(`context:${searchId}`) as Promise<SearchContext>);
  return { uri: context.datasetUri, table: shareTable(context.problem.table) };
}

/** One workflow lane: propose a trial, run it in the thread, until the lane stops. */
async function runTrials(thread: ProbeThread, searchId: string, leak?: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (;;) {
    const step = await proposeTrial(services, { searchId, run: 1, lane: 0 });
    if (step.action !== 'run' || !step.trial) break;
    samples.push(await thread.trial(searchId, step.trial.number, leak));
  }
  return samples;
}

describe('memory across trials in one trainer thread', () => {
  it(`returns to its baseline after ${TRIALS} trials, and the check catches a deliberate leak`, async () => {
    const dataset = await startIrisSearch('memory-flat', TRIALS);
    await startIrisSearch('memory-leaky', LEAKY_TRIALS);
    const thread = new ProbeThread({
      endpoint: store.endpoint,
      tableName: store.tableName,
      artifactsRoot: store.artifactsRoot,
      dataRoots: [DATASETS],
      tables: { [dataset.uri]: dataset.table },
      backend: 'auto',
    });
    try {
      const { backend, sample: before } = await thread.init();
      const samples = await runTrials(thread, 'memory-flat');
      expect(samples).toHaveLength(TRIALS);
      expect(samples.every((s) => s.status === 'completed')).toBe(true);
      const found = leaksIn(before, samples);

      const leakySamples = await runTrials(thread, 'memory-leaky', LEAKED_OBJECTS);
      expect(leakySamples).toHaveLength(LEAKY_TRIALS);
      const caught = leaksIn(samples.at(-1) as Sample, leakySamples);

      const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
      console.log(
        [
          `trainer thread on ${backend}`,
          `tensors before/after: ${before.tensors}/${samples.at(-1)?.tensors}; wasm heap after warm-up/end: ${samples[WARMUP - 1]?.wasmHeap}/${samples.at(-1)?.wasmHeap}`,
          `JavaScript heap trend: ${kib(slope(samples.slice(WARMUP).map((s) => s.jsHeap)))} per trial; with the deliberate leak: ${kib(slope(leakySamples.slice(WARMUP).map((s) => s.jsHeap)))}`,
          `self-check caught: ${caught.join('; ')}`,
        ].join('\n'),
      );
      expect(found).toEqual([]);
      expect(caught.some((p) => p.startsWith('tensors:'))).toBe(true);
      expect(caught.some((p) => p.startsWith('JavaScript heap'))).toBe(true);
    } finally {
      await thread.close();
    }
  });
});
