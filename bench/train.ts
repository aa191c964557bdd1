/**
 * Training throughput benchmark (`npm run bench:train`): samples per second of the
 * project's own training loop (`trainModel` on a model from `buildModel`, so exactly what
 * a search trains) for four reference models, on every tfjs backend available here, side
 * by side with the same models, optimizer (Adam), batch size and loss in PyTorch on one
 * thread (Debian's python3-torch, through `bench/train-torch.py`). Then, unless `--only`
 * leaves it out, trials per minute of the real local search engine with one and with two
 * trainer threads (`bench/workers.ts`).
 *
 * Each measurement trains one warm-up epoch, then `--epochs` timed epochs, and reports
 * the median epoch, as wall-clock samples/s and as samples per CPU second of the process
 * (the second is less disturbed by other work on a shared machine). tfjs runs on one core
 * (the wasm backend is single-threaded in Node; cpu is plain JavaScript; native
 * TensorFlow, when tfjs-node loads, gets one intra-op thread), PyTorch with
 * `torch.set_num_threads(1)`. The cpu backend is far too slow for whole epochs (about
 * 30 s per CNN batch): its epochs are capped at a few batches per model (`--cpu-batches`
 * overrides; a subset of the samples, since the per-batch cost does not depend on the
 * data size), and the table says so. Without a Python that can import torch, a loud note
 * says so and the tfjs numbers are still printed.
 *
 *   npx tsx bench/train.ts [--only mlp,cnn,lstm,transformer,workers] [--epochs 5]
 *     [--backends node,wasm,cpu] [--cpu-batches N] [--no-torch] [--python python3] [--json]
 *     [--worker-trials 12] [--worker-repeats 3] [--worker-sets uniform,mixed] [--workers-source]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { Encoded } from '../src/core/data/preprocess.js';
import { buildModel, describeArchitecture, type Architecture } from '../src/core/models/index.js';
import { createRng } from '../src/core/random.js';
import type { Assignment } from '../src/core/space/space.js';
import { trainModel, type TrainSettings } from '../src/core/training/train.js';
import { initBackend, type BackendPreference } from '../src/runtime/backend.js';
import { findPython } from './python.js';
import { benchWorkers, formatWorkerReport, trialSets, type WorkerReport } from './workers.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    epochs: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'node,wasm,cpu' },
    'cpu-batches': { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string' },
    json: { type: 'boolean', default: false },
    'worker-trials': { type: 'string', default: '12' },
    'worker-sets': { type: 'string', default: 'uniform,mixed' },
    'worker-repeats': { type: 'string', default: '3' },
    'workers-source': { type: 'boolean', default: false },
  },
});

// One core for native TensorFlow too, when @tensorflow/tfjs-node loads (read when it starts).
process.env['TF_NUM_INTRAOP_THREADS'] ??= '1';
process.env['TF_NUM_INTEROP_THREADS'] ??= '1';

const CLASSES = 10;
const LEARNING_RATE = 1e-3;
const SEED = 1;

/** One reference model: an assignment of the search space, so the builder sees what a search gives it. */
interface Reference {
  readonly name: string;
  readonly description: string;
  readonly inputShape: readonly number[];
  readonly assignment: Assignment;
  readonly samples: number;
  readonly batchSize: number;
  /** Batches per epoch on the cpu backend (unless --cpu-batches says otherwise). */
  readonly cpuBatches: number;
}

const REFERENCES: readonly Reference[] = [
  {
    name: 'mlp',
    description: '64 → dense 128 relu → dense 128 relu → dense 10 softmax',
    inputShape: [64],
    assignment: { family: 'mlp', 'mlp.layers': 2, 'mlp.units': 128, 'mlp.dropout': 0, 'mlp.activation': 'relu' },
    samples: 8192,
    batchSize: 64,
    cpuBatches: 16,
  },
  {
    name: 'cnn',
    description: '28×28×1 → conv 16 3×3 relu → maxpool 2 → conv 32 3×3 relu → maxpool 2 → dense 10 softmax',
    inputShape: [28, 28, 1],
    assignment: {
      family: 'cnn',
      'cnn.blocks': 2,
      'cnn.filters': 16,
      'cnn.kernel': 3,
      'cnn.activation': 'relu',
      'cnn.pooling': 'max',
      'cnn.dense': 0,
      'cnn.dropout': 0,
    },
    samples: 2048,
    batchSize: 64,
    // About 30 s per batch on the pure-JavaScript backend.
    cpuBatches: 1,
  },
  {
    name: 'lstm',
    description: '14 steps × 4 features → LSTM 32 → dense 10 softmax',
    inputShape: [14, 4],
    assignment: { family: 'rnn', 'rnn.cell': 'lstm', 'rnn.layers': 1, 'rnn.units': 32, 'rnn.bidirectional': false, 'rnn.dropout': 0 },
    samples: 2048,
    batchSize: 64,
    cpuBatches: 4,
  },
  {
    name: 'transformer',
    description: '16 steps × 16 features → dense 16 → positions → encoder (2 heads × 8, ff 32) → mean → dense 10 softmax',
    inputShape: [16, 16],
    assignment: {
      family: 'transformer',
      'transformer.layers': 1,
      'transformer.heads': 2,
      'transformer.headDim': 8,
      'transformer.ffDim': 32,
      'transformer.dropout': 0,
      'transformer.pooling': 'mean',
    },
    samples: 2048,
    batchSize: 64,
    cpuBatches: 4,
  },
];

const MODEL_NAMES = REFERENCES.map((r) => r.name);
const selected = args.only?.split(',').map((s) => s.trim()).filter(Boolean) ?? [...MODEL_NAMES, 'workers'];
for (const name of selected) {
  if (name !== 'workers' && !MODEL_NAMES.includes(name)) throw new RangeError(`unknown --only entry '${name}' (expected ${[...MODEL_NAMES, 'workers'].join(', ')})`);
}
const epochs = Number(args.epochs);
const cpuBatches = args['cpu-batches'] === undefined ? undefined : Number(args['cpu-batches']);
if (!(Number.isInteger(epochs) && epochs >= 1)) throw new RangeError('--epochs must be a positive integer');
if (cpuBatches !== undefined && !(Number.isInteger(cpuBatches) && cpuBatches >= 1)) throw new RangeError('--cpu-batches must be a positive integer');
const backends = args.backends.split(',').map((b) => b.trim()).filter(Boolean) as BackendPreference[];
const references = REFERENCES.filter((r) => selected.includes(r.name));

/** Human-readable progress goes to stderr; stdout carries the table, or the JSON with --json. */
function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function architectureOf(ref: Reference): Architecture {
  return describeArchitecture(ref.assignment, { task: 'classification', inputShape: ref.inputShape, outputUnits: CLASSES });
}

/** Random inputs in [-1, 1) and random class labels, seeded. */
function randomData(ref: Reference, samples: number): Encoded {
  const rowSize = ref.inputShape.reduce((a, b) => a * b, 1);
  const rng = createRng(SEED, 'bench-train', ref.name);
  const x = new Float32Array(samples * rowSize);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) y[i] = rng.int(0, CLASSES - 1);
  return { count: samples, x, y };
}

/** Timings of one run: per timed epoch, wall-clock and CPU seconds of this process. */
interface Timings {
  readonly model: string;
  /** Samples per timed epoch (fewer than the model's sample count when capped). */
  readonly samplesPerEpoch: number;
  readonly warmupSeconds: number;
  readonly epochSeconds: readonly number[];
  readonly epochCpuSeconds: readonly number[];
  /** From the median wall-clock epoch. */
  readonly samplesPerSecond: number;
  /** From the median CPU-time epoch: less sensitive to other work on the machine. */
  readonly samplesPerCpuSecond: number;
  /** Milliseconds per training step (one batch), from the median wall-clock epoch. */
  readonly msPerStep: number;
}

interface Measurement extends Timings {
  readonly runtime: string;
  readonly capped: boolean;
  /** Tensors left behind by build + train + dispose (should be 0). */
  readonly leakedTensors: number;
}

/** Summaries of per-epoch marks `[wall ms, cpu µs]`, the first being the start. */
function timings(model: string, samples: number, batchSize: number, marks: readonly (readonly [number, number])[]): Timings {
  const deltas = marks.slice(1).map(([wall, cpu], i) => {
    const [wall0, cpu0] = marks[i] as readonly [number, number];
    return [(wall - wall0) / 1000, (cpu - cpu0) / 1e6] as const;
  });
  const [warmup, ...timed] = deltas;
  const wall = median(timed.map((d) => d[0]));
  const cpu = median(timed.map((d) => d[1]));
  return {
    model,
    samplesPerEpoch: samples,
    warmupSeconds: warmup?.[0] ?? NaN,
    epochSeconds: timed.map((d) => d[0]),
    epochCpuSeconds: timed.map((d) => d[1]),
    samplesPerSecond: samples / wall,
    samplesPerCpuSecond: samples / cpu,
    msPerStep: (wall * 1000) / Math.ceil(samples / batchSize),
  };
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Train one reference model with the project's loop on the active backend and time its epochs. */
async function measureTfjs(ref: Reference, runtime: string, cap?: number): Promise<Measurement> {
  const samples = cap === undefined ? ref.samples : Math.min(ref.samples, cap * ref.batchSize);
  const data = randomData(ref, samples);
  const settings: TrainSettings = {
    epochs: 1 + epochs,
    batchSize: ref.batchSize,
    learningRate: LEARNING_RATE,
    optimizer: 'adam',
    patience: Number.MAX_SAFE_INTEGER,
    seed: SEED,
    classCount: CLASSES,
    inputShape: ref.inputShape,
  };
  const tensorsBefore = tf.memory().numTensors;
  const model = buildModel(architectureOf(ref), SEED);
  const marks: [number, number][] = [[performance.now(), cpuMicros()]];
  try {
    await trainModel(model, data, null, settings, () => void marks.push([performance.now(), cpuMicros()]));
  } finally {
    model.dispose();
  }
  return {
    ...timings(ref.name, samples, ref.batchSize, marks),
    runtime,
    capped: samples < ref.samples,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
  };
}

/** What train-torch.py prints: per model, the same `[wall ms, cpu µs]` marks as the tfjs runs. */
interface TorchOutput {
  readonly version: string;
  readonly threads: number;
  /** The BLAS library its dense layers run on; `reference` when it is the unoptimized one. */
  readonly blas: { readonly library: string; readonly reference: boolean };
  readonly results: readonly { model: string; samples: number; batchSize: number; marks: [number, number][] }[];
}

interface TorchReport {
  readonly python: string;
  readonly version: string;
  readonly threads: number;
  readonly blas: TorchOutput['blas'];
  readonly results: readonly Timings[];
}

function runTorch(python: string): TorchReport | { error: string } {
  const script = fileURLToPath(new URL('./train-torch.py', import.meta.url));
  const request = {
    epochs,
    classes: CLASSES,
    learningRate: LEARNING_RATE,
    seed: SEED,
    models: references.map((ref) => ({ name: ref.name, samples: ref.samples, batchSize: ref.batchSize, architecture: architectureOf(ref) })),
  };
  const out = spawnSync(python, [script], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (out.status !== 0) return { error: out.error?.message ?? out.stderr.trim().split('\n').slice(-3).join(' | ') };
  if (out.stderr.trim()) note(out.stderr.trim());
  const parsed = JSON.parse(out.stdout) as TorchOutput;
  return {
    python,
    version: parsed.version,
    threads: parsed.threads,
    blas: parsed.blas,
    results: parsed.results.map((r) => timings(r.model, r.samples, r.batchSize, r.marks)),
  };
}

function loud(lines: readonly string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '!'.repeat(width + 4);
  note([bar, ...lines.map((l) => `! ${l.padEnd(width)} !`), bar].join('\n'));
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...rows.map(format)].join('\n');
}

const rate = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '-' : value >= 100 ? value.toFixed(0) : value.toPrecision(3));

/** One progress line for a run. */
function describeRun(t: Timings, capped = false): string {
  const epochs = t.epochSeconds.map((e, i) => `${e.toFixed(2)}/${(t.epochCpuSeconds[i] ?? NaN).toFixed(2)}`).join(' ');
  return `  ${t.model.padEnd(12)} ${rate(t.samplesPerSecond).padStart(7)} samples/s wall, ${rate(t.samplesPerCpuSecond).padStart(7)} per CPU second  (${t.msPerStep.toFixed(2)} ms/step; warm-up ${t.warmupSeconds.toFixed(2)} s; epochs wall/cpu ${epochs} s${capped ? `; ${t.samplesPerEpoch} samples per epoch` : ''})`;
}

async function main(): Promise<void> {
  const environment = {
    cores: availableParallelism(),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    tfjs: tf.version.tfjs,
  };
  note(`bench:train — ${environment.cores} cores, load average ${environment.loadAverage.join(' ')} (a busy machine makes every number noisy)`);

  const measurements: Measurement[] = [];
  const backendDetails: Record<string, string> = {};
  if (references.length > 0) {
    for (const preference of backends) {
      let detail: string;
      try {
        detail = (await initBackend(preference)).detail;
      } catch (error) {
        note(`backend ${preference} not available: ${(error as Error).message}`);
        continue;
      }
      backendDetails[preference] = detail;
      note(`tfjs backend: ${detail}`);
      for (const ref of references) {
        const cap = preference === 'cpu' ? (cpuBatches ?? ref.cpuBatches) : undefined;
        const m = await measureTfjs(ref, `tfjs-${preference}`, cap);
        measurements.push(m);
        note(describeRun(m, m.capped));
        if (m.leakedTensors !== 0) note(`  ${ref.name}: ${m.leakedTensors} tensors left after training and disposing the model`);
      }
    }
  }

  let torch: TorchReport | undefined;
  let torchNote: string | undefined;
  if (references.length > 0 && !args['no-torch']) {
    const found = findPython('torch', args.python);
    if (!found.python) {
      torchNote = `PyTorch reference NOT RUN: no Python with torch (${found.reason}). Install Debian's python3-torch or pass --python.`;
      loud([torchNote, 'tfjs numbers are printed without a reference.']);
    } else {
      note(`PyTorch reference: ${found.reason}, running...`);
      const outcome = runTorch(found.python);
      if ('error' in outcome) {
        torchNote = `PyTorch reference FAILED: ${outcome.error}`;
        loud([torchNote]);
      } else {
        torch = outcome;
        for (const r of outcome.results) note(describeRun(r));
        if (outcome.blas.reference) {
          loud([
            `PyTorch runs on the unoptimized reference BLAS (${outcome.blas.library}): its dense layers are several`,
            'times slower than they should be, so every ratio below flatters tfjs. For a fair reference install',
            "Debian's libopenblas0-pthread (python3-torch then uses OpenBLAS) and run the bench again.",
          ]);
        }
      }
    }
  }

  const workers: WorkerReport[] = [];
  if (selected.includes('workers')) {
    note('trainer threads: trials per minute with 1 and 2 workers (real local search engine)...');
    for (const set of trialSets(args['worker-sets'])) {
      workers.push(await benchWorkers({ set, trials: Number(args['worker-trials']), repeats: Number(args['worker-repeats']), source: args['workers-source'], log: note }));
    }
  }

  const lines: string[] = [];
  if (references.length > 0) {
    const runtimes = Object.keys(backendDetails);
    const pair = (wall: number | undefined, cpu: number | undefined) => `${rate(wall)} / ${rate(cpu)}`;
    const header = [
      'model',
      ...runtimes.map((b) => `tfjs ${b} (wall / cpu)`),
      'torch (wall / cpu)',
      ...runtimes.map((b) => `${b}/torch time (wall / cpu)`),
    ];
    const rows = references.map((ref) => {
      const t = torch?.results.find((r) => r.model === ref.name);
      const runs = runtimes.map((b) => measurements.find((m) => m.model === ref.name && m.runtime === `tfjs-${b}`));
      const ratio = (mine: number, theirs: number | undefined) => (theirs === undefined ? '-' : `${(theirs / mine).toFixed(1)}x`);
      return [
        ref.name,
        ...runs.map((m) => (m ? `${pair(m.samplesPerSecond, m.samplesPerCpuSecond)}${m.capped ? ' *' : ''}` : '-')),
        t ? pair(t.samplesPerSecond, t.samplesPerCpuSecond) : '-',
        ...runs.map((m) => (m && t ? `${ratio(m.samplesPerSecond, t.samplesPerSecond)} / ${ratio(m.samplesPerCpuSecond, t.samplesPerCpuSecond)}` : '-')),
      ];
    });
    lines.push(
      `training throughput in samples/s on one core, after a warm-up epoch, median of ${epochs} timed epochs; wall clock / per CPU second of the process`,
      `(Adam lr ${LEARNING_RATE}, cross-entropy on softmax, ${CLASSES} classes, random data; tfjs through trainModel + buildModel as searches train)`,
    );
    for (const ref of references) lines.push(`  ${ref.name}: ${ref.description}; ${ref.samples} samples, batch ${ref.batchSize}`);
    for (const [b, detail] of Object.entries(backendDetails)) lines.push(`  tfjs ${b}: ${detail}`);
    lines.push(torch ? `  torch: ${torch.version}, torch.set_num_threads(${torch.threads}), BLAS ${torch.blas.library}${torch.blas.reference ? ' (REFERENCE BLAS: ratios flatter tfjs)' : ''}` : `  torch: ${torchNote ?? 'not run (--no-torch)'}`);
    lines.push(table(header, rows));
    const capped = measurements.filter((m) => m.capped);
    if (capped.length > 0) {
      lines.push(`  * cpu backend too slow for whole epochs: each epoch capped at ${capped.map((m) => `${m.model} ${m.samplesPerEpoch / (REFERENCES.find((r) => r.name === m.model)?.batchSize ?? 1)} batches`).join(', ')}; the rate is still per sample`);
    }
    lines.push('  x/torch time: how many times longer tfjs takes than PyTorch for the same samples');
  }
  for (const report of workers) lines.push('', formatWorkerReport(report));

  if (args.json) {
    note(lines.join('\n'));
    console.log(JSON.stringify({ environment, backends: backendDetails, epochs, measurements, torch: torch ?? { note: torchNote }, workers }, null, 2));
  } else {
    console.log(lines.join('\n'));
  }
}

await main();
