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
 * the median epoch. tfjs runs on one core (the wasm backend is single-threaded in Node;
 * cpu is plain JavaScript), PyTorch with `torch.set_num_threads(1)`. The cpu backend is
 * far too slow to train whole epochs of the CNN: its epochs are capped at `--cpu-batches`
 * batches (a subset of the samples; the per-batch cost does not depend on the data size),
 * and the table says so.
 *
 *   npx tsx bench/train.ts [--only mlp,cnn,lstm,transformer,workers] [--epochs 3]
 *     [--backends wasm,cpu] [--cpu-batches 8] [--no-torch] [--python python3] [--json]
 *     [--worker-trials 8]
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
import { benchWorkers, formatWorkerReport, type WorkerReport } from './workers.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    epochs: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'wasm,cpu' },
    'cpu-batches': { type: 'string', default: '8' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string' },
    json: { type: 'boolean', default: false },
    'worker-trials': { type: 'string', default: '8' },
  },
});

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
}

const REFERENCES: readonly Reference[] = [
  {
    name: 'mlp',
    description: '64 → dense 128 relu → dense 128 relu → dense 10 softmax',
    inputShape: [64],
    assignment: { family: 'mlp', 'mlp.layers': 2, 'mlp.units': 128, 'mlp.dropout': 0, 'mlp.activation': 'relu' },
    samples: 8192,
    batchSize: 64,
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
  },
  {
    name: 'lstm',
    description: '14 steps × 4 features → LSTM 32 → dense 10 softmax',
    inputShape: [14, 4],
    assignment: { family: 'rnn', 'rnn.cell': 'lstm', 'rnn.layers': 1, 'rnn.units': 32, 'rnn.bidirectional': false, 'rnn.dropout': 0 },
    samples: 2048,
    batchSize: 64,
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
  },
];

const MODEL_NAMES = REFERENCES.map((r) => r.name);
const selected = args.only?.split(',').map((s) => s.trim()).filter(Boolean) ?? [...MODEL_NAMES, 'workers'];
for (const name of selected) {
  if (name !== 'workers' && !MODEL_NAMES.includes(name)) throw new RangeError(`unknown --only entry '${name}' (expected ${[...MODEL_NAMES, 'workers'].join(', ')})`);
}
const epochs = Number(args.epochs);
const cpuBatches = Number(args['cpu-batches']);
if (!(Number.isInteger(epochs) && epochs >= 1)) throw new RangeError('--epochs must be a positive integer');
if (!(Number.isInteger(cpuBatches) && cpuBatches >= 1)) throw new RangeError('--cpu-batches must be a positive integer');
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

interface Measurement {
  readonly model: string;
  readonly runtime: string;
  /** Samples per timed epoch (smaller than the model's sample count when capped). */
  readonly samplesPerEpoch: number;
  readonly capped: boolean;
  readonly epochSeconds: readonly number[];
  readonly warmupSeconds: number;
  readonly samplesPerSecond: number;
  /** Milliseconds per training step (one batch), from the median epoch. */
  readonly msPerStep: number;
  /** Tensors left behind by build + train + dispose (should be 0). */
  readonly leakedTensors?: number;
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
  const marks: number[] = [];
  const start = performance.now();
  try {
    await trainModel(model, data, null, settings, () => void marks.push(performance.now()));
  } finally {
    model.dispose();
  }
  const seconds = marks.map((mark, i) => (mark - (i === 0 ? start : (marks[i - 1] as number))) / 1000);
  const [warmup = NaN, ...timed] = seconds;
  const epochSeconds = median(timed);
  return {
    model: ref.name,
    runtime,
    samplesPerEpoch: samples,
    capped: samples < ref.samples,
    epochSeconds: timed,
    warmupSeconds: warmup,
    samplesPerSecond: samples / epochSeconds,
    msPerStep: (epochSeconds * 1000) / Math.ceil(samples / ref.batchSize),
    leakedTensors: tf.memory().numTensors - tensorsBefore,
  };
}

/** The Python interpreter that can import torch: `--python`, else `python3`, else Debian's system interpreter. */
function findTorchPython(): { python?: string; reason: string } {
  // Debian's python3-torch installs for the system interpreter, which a pyenv or venv
  // `python3` earlier on PATH can shadow; try both.
  const candidates = args.python ? [args.python] : ['python3', '/usr/bin/python3'];
  const reasons: string[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, reason: `torch ${probe.stdout.trim()} (${python})` };
    reasons.push(`${python}: ${probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? 'failed')}`);
  }
  return { reason: reasons.join('; ') };
}

interface TorchResult {
  readonly model: string;
  readonly samples: number;
  readonly epochSeconds: readonly number[];
  readonly warmupSeconds: number;
  readonly samplesPerSecond: number;
  readonly msPerStep: number;
}

function runTorch(python: string): { results: TorchResult[]; version: string; threads: number } | { error: string } {
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
  return JSON.parse(out.stdout) as { results: TorchResult[]; version: string; threads: number };
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
        const cap = preference === 'cpu' ? cpuBatches : undefined;
        const m = await measureTfjs(ref, `tfjs-${preference}`, cap);
        measurements.push(m);
        note(
          `  ${ref.name.padEnd(12)} ${rate(m.samplesPerSecond).padStart(7)} samples/s  (${m.msPerStep.toFixed(2)} ms/step; warm-up ${m.warmupSeconds.toFixed(2)} s; epochs ${m.epochSeconds.map((s) => s.toFixed(2)).join(' ')} s${m.capped ? `; ${m.samplesPerEpoch} samples per epoch` : ''})`,
        );
      }
    }
  }

  let torch: { version: string; threads: number; results: TorchResult[] } | undefined;
  let torchNote: string | undefined;
  if (references.length > 0 && !args['no-torch']) {
    const found = findTorchPython();
    if (!found.python) {
      torchNote = `PyTorch reference NOT RUN: no Python with torch (${found.reason}). Install Debian's python3-torch or pass --python.`;
      loud([torchNote, 'tfjs numbers below are printed without a reference.']);
    } else {
      note(`PyTorch reference: ${found.reason}, running...`);
      const outcome = runTorch(found.python);
      if ('error' in outcome) {
        torchNote = `PyTorch reference FAILED: ${outcome.error}`;
        loud([torchNote]);
      } else {
        torch = outcome;
        for (const r of outcome.results) {
          note(`  ${r.model.padEnd(12)} ${rate(r.samplesPerSecond).padStart(7)} samples/s  (${r.msPerStep.toFixed(2)} ms/step; warm-up ${r.warmupSeconds.toFixed(2)} s; epochs ${r.epochSeconds.map((s) => s.toFixed(2)).join(' ')} s)`);
        }
      }
    }
  }

  let workers: WorkerReport | undefined;
  if (selected.includes('workers')) {
    note('trainer threads: trials per minute with 1 and 2 workers (real local search engine)...');
    workers = await benchWorkers({ trials: Number(args['worker-trials']), log: note });
  }

  const lines: string[] = [];
  if (references.length > 0) {
    const runtimes = Object.keys(backendDetails);
    const header = ['model', 'batch', ...runtimes.map((b) => `tfjs ${b} samples/s`), 'torch samples/s', ...runtimes.map((b) => `${b}/torch time`)];
    const rows = references.map((ref) => {
      const torchRate = torch?.results.find((r) => r.model === ref.name)?.samplesPerSecond;
      const tfjsRates = runtimes.map((b) => measurements.find((m) => m.model === ref.name && m.runtime === `tfjs-${b}`));
      return [
        ref.name,
        String(ref.batchSize),
        ...tfjsRates.map((m) => (m ? `${rate(m.samplesPerSecond)}${m.capped ? '*' : ''}` : '-')),
        rate(torchRate),
        ...tfjsRates.map((m) => (m && torchRate ? `${(torchRate / m.samplesPerSecond).toFixed(1)}x` : '-')),
      ];
    });
    lines.push(
      `training throughput, one core, after a warm-up epoch: median of ${epochs} timed epochs (Adam, lr ${LEARNING_RATE}, cross-entropy on softmax, ${CLASSES} classes)`,
    );
    for (const ref of references) lines.push(`  ${ref.name}: ${ref.description}; ${ref.samples} random samples, batch ${ref.batchSize}`);
    for (const [b, detail] of Object.entries(backendDetails)) lines.push(`  tfjs ${b}: ${detail}`);
    lines.push(torch ? `  torch: ${torch.version}, ${torch.threads} thread` : `  torch: ${torchNote ?? 'not run (--no-torch)'}`);
    lines.push(table(header, rows));
    if (measurements.some((m) => m.capped)) {
      lines.push(`  * cpu: each epoch capped at ${cpuBatches} batches (${cpuBatches * 64} samples), the rate is per sample as for the others`);
    }
    lines.push('  x/torch time = how many times longer tfjs takes than PyTorch for the same samples');
  }
  if (workers) lines.push('', formatWorkerReport(workers));

  if (args.json) {
    note(lines.join('\n'));
    console.log(JSON.stringify({ environment, backends: backendDetails, epochs, cpuBatches, measurements, torch: torch ?? { note: torchNote }, workers }, null, 2));
  } else {
    console.log(lines.join('\n'));
  }
}

await main();
