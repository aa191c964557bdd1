/**
 * Memory stays flat across trials in one trainer thread: 50 small iris trials run one
 * after another through the trainer worker's own entry point (the function the thread
 * pool calls for RunTrial), in a real worker thread against the embedded store, and after
 * each trial the thread reports its tfjs tensor count and bytes, the wasm heap size and
 * its JavaScript heap after a full garbage collection. Tensors and bytes must come back
 * exactly to the level before the first trial; the wasm heap must stop growing once warm;
 * the JavaScript heap must not trend upwards. A self-check runs more trials in the same
 * thread while deliberately keeping one small tensor and a little JavaScript memory per
 * trial, and the same analysis must flag both, so the test is known to be able to fail.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDatasetSource } from '../../src/adapters/filesystem/dataset-source.js';
import type { SearchContext } from '../../src/app/context.js';
import { proposeTrials } from '../../src/app/propose-trials.js';
import { recordRound } from '../../src/app/record-round.js';
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
  /** V8 heap in use after full collections. */
  readonly jsHeap: number;
  readonly status?: string;
}

/** Trials run before the heaps are expected to have reached their working size. */
const WARMUP = 5;
/** Largest JavaScript heap trend tolerated, bytes per trial (a least-squares slope). */
const JS_HEAP_SLOPE_LIMIT = 16 * 1024;
/** Largest wasm heap growth tolerated after warm-up. */
const WASM_HEAP_GROWTH_LIMIT = 1024 * 1024;

/**
 * The probe thread: the trainer worker's module, loaded as the pool loads it (same
 * workerData, TypeScript through tsx, loaded with require()), driven one RunTrial at a time. `gc` comes from V8
 * flags set at run time, since worker threads cannot take --expose-gc.
 */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const v8 = require('node:v8');
const vm = require('node:vm');
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const probe = workerData.probe;
const projectRequire = createRequire(probe.projectPackage);
// The pool's threads get TypeScript from \`--import tsx\` and load the trainer module with
// require(); eval'd threads do not run --import, so register tsx's require hook here.
projectRequire('tsx/cjs/api').register();
const tf = projectRequire('@tensorflow/tfjs');
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
  return {
    tensors: memory.numTensors,
    dataBuffers: memory.numDataBuffers,
    bytes: memory.numBytes,
    wasmHeap: backend ? backend.wasm.HEAPU8.buffer.byteLength : null,
    jsHeap: v8.getHeapStatistics().used_heap_size,
    ...(status ? { status } : {}),
  };
}

parentPort.on('message', async (message) => {
  try {
    if (message.type === 'init') {
      trainer = projectRequire(probe.trainerWorker).default;
      const { initBackend } = projectRequire(probe.backend);
      const info = await initBackend(workerData.backend);
      parentPort.postMessage({ ok: true, backend: info.name, sample: await sample() });
      return;
    }
    const reply = await trainer({ task: 'RunTrial', input: message.input });
    if (!reply.ok) throw new Error(reply.error.name + ': ' + reply.error.message);
    if (message.leak) {
      kept.push(tf.zeros([64]));
      kept.push(new Array(message.leak).fill(0).map((_, i) => ({ i })));
    }
    parentPort.postMessage({ ok: true, sample: await sample(reply.output.status) });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.stack || error) });
  }
});
`;

/** One request at a time to the probe thread. */
class ProbeThread {
  private readonly worker: Worker;

  constructor(data: TrainerWorkerData) {
    this.worker = new Worker(PROBE, {
      eval: true,
      workerData: {
        ...data,
        probe: {
          projectPackage: join(PROJECT_ROOT, 'package.json'),
          trainerWorker: join(PROJECT_ROOT, 'src/runtime/local/trainer-worker.ts'),
          backend: join(PROJECT_ROOT, 'src/runtime/backend.ts'),
        },
      },
    });
  }

  private request<T>(message: object): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: { ok?: boolean; error?: string; event?: unknown }) => {
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

  async init(): Promise<{ backend: string; sample: Sample }> {
    return this.request({ type: 'init' });
  }

  async trial(searchId: string, number: number, leak?: number): Promise<Sample> {
    return (await this.request<{ sample: Sample }>({ type: 'trial', input: { searchId, number }, leak })).sample;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Least-squares slope of `values` against their index. */
function slope(values: readonly number[]): number {
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

/** Everything that looks like a leak in a run's samples; empty when memory stayed flat. */
function leaksIn(before: Sample, after: readonly Sample[]): string[] {
  const problems: string[] = [];
  const last = after.at(-1) as Sample;
  const warm = after[WARMUP - 1] as Sample;
  if (last.tensors !== before.tensors) problems.push(`tensors: ${before.tensors} before the trials, ${last.tensors} after`);
  if (last.dataBuffers !== before.dataBuffers) problems.push(`data buffers: ${before.dataBuffers} before, ${last.dataBuffers} after`);
  if (last.bytes !== before.bytes) problems.push(`tensor bytes: ${before.bytes} before, ${last.bytes} after`);
  const drifting = after.findIndex((s) => s.tensors !== before.tensors);
  if (drifting >= 0 && last.tensors === before.tensors) problems.push(`tensors left over after trial ${drifting + 1}`);
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
  // The main thread trains nothing, as in the local engine.
  services = assembleServices({ metadata: store.metadata, artifacts: store.artifacts, events: store.events, datasets: new LocalDatasetSource([DATASETS]), backend: 'none' });
});
afterAll(async () => {
  await store.close();
  await home.cleanup();
});

/** Start an iris search of `trials` small MLPs (2 folds, 4 epochs); returns its shared table. */
async function startIrisSearch(searchId: string, trials: number): Promise<{ uri: string; table: Table }> {
  const spec = irisSpecInput({
    name: searchId,
    evaluation: { folds: 2, patience: 100 },
    space: { family: 'mlp', learningRate: { min: 0.005, max: 0.05, log: true }, batchSize: 16, epochs: 4, mlp: { layers: { min: 1, max: 2 }, units: { min: 4, max: 24 }, dropout: [0, 0.1] } },
    strategy: 'random',
    budget: { maxTrials: trials, maxParallel: 10 },
    seed: 21,
  } as never);
  await startSearch(services, { searchId, spec, source: 'inline', base: DATASETS });
  const context = await (services.cache.get(`context:${searchId}`) as Promise<SearchContext>);
  return { uri: context.datasetUri, table: shareTable(context.problem.table) };
}

/** Propose, run in the thread, record: the workflow's rounds, one trial at a time. */
async function runTrials(thread: ProbeThread, searchId: string, leak?: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (;;) {
    const round = await proposeTrials(services, { searchId });
    if (round.done || round.trials.length === 0) break;
    for (const item of round.trials) samples.push(await thread.trial(searchId, item.number, leak));
    await recordRound(services, { searchId });
  }
  return samples;
}

describe('memory across trials in one trainer thread', () => {
  it('returns to its baseline after 50 trials, and the check catches a deliberate leak', async () => {
    const real = await startIrisSearch('memory-flat', 50);
    await startIrisSearch('memory-leaky', 20);
    const thread = new ProbeThread({
      endpoint: store.endpoint,
      tableName: store.tableName,
      artifactsRoot: store.artifactsRoot,
      dataRoots: [DATASETS],
      tables: { [real.uri]: real.table },
      backend: 'auto',
    });
    try {
      const { backend, sample: before } = await thread.init();
      const started = Date.now();
      const samples = await runTrials(thread, 'memory-flat');
      const seconds = (Date.now() - started) / 1000;
      expect(samples).toHaveLength(50);
      expect(samples.every((s) => s.status === 'completed')).toBe(true);
      const realLeaks = leaksIn(before, samples);

      const leakBefore = samples.at(-1) as Sample;
      const leakySamples = await runTrials(thread, 'memory-leaky', 2000);
      const caught = leaksIn(leakBefore, leakySamples);

      console.log(
        JSON.stringify({
          backend,
          seconds,
          before,
          after: samples.at(-1),
          jsHeapSlope: slope(samples.slice(WARMUP).map((s) => s.jsHeap)),
          leakyJsHeapSlope: slope(leakySamples.slice(WARMUP).map((s) => s.jsHeap)),
          jsHeap: samples.map((s) => Math.round(s.jsHeap / 1024)),
          wasmHeap: samples.map((s) => s.wasmHeap),
          tensors: samples.map((s) => s.tensors),
          caught,
        }),
      );
      expect(realLeaks).toEqual([]);
      expect(caught.some((p) => p.startsWith('tensors:'))).toBe(true);
      expect(caught.some((p) => p.startsWith('JavaScript heap'))).toBe(true);
    } finally {
      await thread.close();
    }
  });
});
