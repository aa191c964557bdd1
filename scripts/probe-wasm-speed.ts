/**
 * Measures training throughput (samples/s) of the wasm and cpu tfjs backends on a dense
 * MLP and a small CNN, with a hand-written `optimizer.minimize` loop and with
 * `model.fit`. Run: `npx tsx scripts/probe-wasm-speed.ts [--backends wasm,cpu] [--epochs 1]
 * [--budget 60]`; a measurement that would exceed `--budget` seconds (the cpu CNN) is
 * cut to the whole batches that fit and reports how many samples it timed.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../src/core/random.js';
import { initBackend, type BackendPreference } from '../src/runtime/backend.js';

interface Workload {
  readonly name: string;
  readonly samples: number;
  readonly batchSize: number;
  readonly inputShape: number[];
  readonly classes: number;
  build(): tf.LayersModel;
}

const WORKLOADS: readonly Workload[] = [
  {
    name: 'MLP 64-128-128-10',
    samples: 8192,
    batchSize: 64,
    inputShape: [64],
    classes: 10,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [64], units: 128, activation: 'relu' }),
          tf.layers.dense({ units: 128, activation: 'relu' }),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'CNN 28x28x1 c16-p2-c32-p2-d10',
    samples: 2048,
    batchSize: 64,
    inputShape: [28, 28, 1],
    classes: 10,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
];

interface Options {
  readonly backends: BackendPreference[];
  readonly epochs: number;
  /** Seconds one measurement may take before it stops at a batch boundary. */
  readonly budget: number;
}

/** A throughput measurement: samples/s over `samples` timed samples. */
interface Rate {
  readonly perSecond: number;
  readonly samples: number;
}

function parseArgs(argv: readonly string[]): Options {
  let backends: BackendPreference[] = ['wasm', 'cpu'];
  let epochs = 1;
  let budget = 60;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--backends' && value !== undefined) {
      backends = value.split(',') as BackendPreference[];
      i++;
    } else if (arg === '--epochs' && value !== undefined) {
      epochs = Math.max(1, Number.parseInt(value, 10) || 1);
      i++;
    } else if (arg === '--budget' && value !== undefined) {
      budget = Math.max(1, Number(value) || 60);
      i++;
    }
  }
  return { backends, epochs, budget };
}

/** Seeded random inputs and one-hot labels on the active backend. */
function makeData(w: Workload): { x: tf.Tensor; y: tf.Tensor } {
  const rng = createRng(42, 'probe-wasm-speed', w.name);
  const size = w.samples * w.inputShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(size);
  for (let i = 0; i < size; i++) xs[i] = rng.next();
  const labels = new Int32Array(w.samples);
  for (let i = 0; i < w.samples; i++) labels[i] = rng.int(0, w.classes - 1);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), w.classes).toFloat());
  return { x: tf.tensor(xs, [w.samples, ...w.inputShape]), y };
}

/** Samples/s of `epochs` passes of a hand-written minibatch loop (within `budget` s). */
function customLoop(w: Workload, x: tf.Tensor, y: tf.Tensor, epochs: number, budget: number): Rate {
  const model = w.build();
  const optimizer = tf.train.adam(1e-3);
  const step = (start: number): number => {
    const size = Math.min(w.batchSize, w.samples - start);
    const loss = optimizer.minimize(
      () =>
        tf.tidy(() => {
          const xb = tf.slice(x, start, size);
          const yb = tf.slice(y, start, size);
          const p = model.apply(xb, { training: true }) as tf.Tensor;
          return tf.mean(tf.metrics.categoricalCrossentropy(yb, p)) as tf.Scalar;
        }),
      true,
    );
    const value = loss?.dataSync()[0] ?? Number.NaN;
    loss?.dispose();
    return value;
  };
  step(0); // warm-up: builds the model and initialises the optimizer's slots
  const started = performance.now();
  let lastLoss = Number.NaN;
  let samples = 0;
  timing: for (let e = 0; e < epochs; e++) {
    for (let start = 0; start < w.samples; start += w.batchSize) {
      lastLoss = step(start);
      samples += Math.min(w.batchSize, w.samples - start);
      if (performance.now() - started > budget * 1000) break timing;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (!Number.isFinite(lastLoss)) throw new Error(`${w.name}: non-finite loss in the custom loop`);
  optimizer.dispose();
  model.dispose();
  return { perSecond: samples / seconds, samples };
}

/**
 * Samples/s of `model.fit` over the same data (no shuffling, so the work matches); when
 * the custom loop's rate says a full run would exceed the budget, fits a prefix.
 */
async function fitLoop(w: Workload, x: tf.Tensor, y: tf.Tensor, epochs: number, budget: number, expected: Rate): Promise<Rate> {
  const model = w.build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const warmX = tf.slice(x, 0, w.batchSize);
  const warmY = tf.slice(y, 0, w.batchSize);
  await model.fit(warmX, warmY, { batchSize: w.batchSize, epochs: 1, verbose: 0 });
  tf.dispose([warmX, warmY]);
  const affordable = Math.floor((expected.perSecond * budget) / epochs / w.batchSize) * w.batchSize;
  const count = Math.min(w.samples, Math.max(w.batchSize, affordable));
  const [xs, ys] = count < w.samples ? [tf.slice(x, 0, count), tf.slice(y, 0, count)] : [x, y];
  const started = performance.now();
  const history = await model.fit(xs, ys, { batchSize: w.batchSize, epochs, shuffle: false, verbose: 0 });
  const seconds = (performance.now() - started) / 1000;
  if (count < w.samples) tf.dispose([xs, ys]);
  const losses = history.history['loss'] as number[];
  if (!losses.every(Number.isFinite)) throw new Error(`${w.name}: non-finite loss in fit`);
  model.dispose();
  return { perSecond: (count * epochs) / seconds, samples: count * epochs };
}

function describeRate(rate: Rate, full: number): string {
  const value = rate.perSecond.toFixed(0);
  return rate.samples < full ? `${value} (${rate.samples} samples timed)` : value;
}

async function main(): Promise<void> {
  const { backends, epochs, budget } = parseArgs(process.argv.slice(2));
  tf.env().set('PROD', true); // no console banners in the measurements
  const rows: string[][] = [['workload', 'backend', 'minimize loop (samples/s)', 'model.fit (samples/s)']];
  for (const preference of backends) {
    const info = await initBackend(preference);
    console.log(`backend: ${info.detail}`);
    for (const w of WORKLOADS) {
      const { x, y } = makeData(w);
      const custom = customLoop(w, x, y, epochs, budget);
      const fit = await fitLoop(w, x, y, epochs, budget, custom);
      tf.dispose([x, y]);
      const full = w.samples * epochs;
      const row = [w.name, info.name, describeRate(custom, full), describeRate(fit, full)];
      rows.push(row);
      console.log(`  ${w.name}: minimize loop ${row[2]} samples/s, fit ${row[3]} samples/s`);
    }
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  console.log('');
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
