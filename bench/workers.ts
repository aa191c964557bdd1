/**
 * Trainer-thread scaling (part of `npm run bench:train`, or on its own): trials per minute
 * of the real local search engine (`runLocalSearch`: the workflow definition, the embedded
 * store, the trainer thread pool) on a fixed grid of small MLP and CNN trials on the
 * digits example, once with one trainer thread and once with two; prints the speedup.
 *
 * The trial window runs from the first TrialStarted event to the last trial outcome, so it
 * leaves out thread start-up and the final model's training (one thread either way) but
 * keeps everything a round does: proposing, recording, and waiting for the slower trial of
 * the round. Both runs train the same trials with the same seeds, epochs and folds.
 *
 *   npx tsx bench/workers.ts [--trials 8] [--json]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { SearchEvent } from '../src/ports/event-bus.js';
import { runLocalSearch } from '../src/runtime/local/engine.js';

/** The speedup two trainer threads should reach on two free cores. */
export const TARGET_SPEEDUP = 1.7;

export interface WorkerRun {
  readonly workers: number;
  readonly trials: number;
  readonly failed: number;
  /** First TrialStarted to the last trial outcome. */
  readonly trialSeconds: number;
  /** The whole search, including start-up and the final model. */
  readonly searchSeconds: number;
  readonly trialsPerMinute: number;
  /** Median of the trials' own recorded durations. */
  readonly medianTrialSeconds: number;
}

export interface WorkerReport {
  readonly cores: number;
  readonly loadAverage: readonly number[];
  readonly description: string;
  readonly runs: readonly WorkerRun[];
  /** Trials per minute with two threads over one. */
  readonly speedup: number;
  readonly target: number;
}

const DATASETS = fileURLToPath(new URL('../examples/datasets/', import.meta.url));

/** A grid of `trials` points: MLP widths and CNN filter counts, 15 epochs, 3 folds, no early stop. */
function specFor(trials: number, maxParallel: number): Record<string, unknown> {
  const half = Math.max(1, Math.ceil(trials / 2));
  const widths = Array.from({ length: half }, (_, i) => 32 * 2 ** (i % 4) + 8 * Math.floor(i / 4));
  const filters = Array.from({ length: half }, (_, i) => 4 * 2 ** (i % 4) + 2 * Math.floor(i / 4));
  return {
    name: `workers-bench-${maxParallel}`,
    task: 'classification',
    dataset: { uri: join(DATASETS, 'digits.csv'), target: 'digit', kind: 'image', shape: [8, 8, 1] },
    objective: { metric: 'accuracy' },
    evaluation: { folds: 3, patience: 1000 },
    space: {
      family: ['mlp', 'cnn'],
      learningRate: 0.003,
      batchSize: 32,
      optimizer: 'adam',
      epochs: 15,
      mlp: { layers: 1, units: widths, dropout: 0, activation: 'relu' },
      cnn: { blocks: 1, filters, kernel: 3, activation: 'relu', pooling: 'max', dense: 0, dropout: 0 },
    },
    strategy: 'grid',
    budget: { maxTrials: trials, maxParallel },
    seed: 5,
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function runOnce(folder: string, trials: number, workers: number): Promise<WorkerRun> {
  const specPath = join(folder, `workers-${workers}.yaml`);
  await writeFile(specPath, stringify(specFor(trials, workers)));
  let firstStart: number | undefined;
  let lastOutcome: number | undefined;
  const onEvent = (event: SearchEvent): void => {
    const now = performance.now();
    if (event.type === 'TrialStarted') firstStart ??= now;
    if (event.type === 'TrialCompleted' || event.type === 'TrialFailed' || event.type === 'TrialPruned') lastOutcome = now;
  };
  const started = performance.now();
  const { search, trials: records } = await runLocalSearch(specPath, {
    home: join(folder, `home-${workers}`),
    dataRoots: [DATASETS],
    workers,
    backend: 'auto',
    onEvent,
  });
  const searchSeconds = (performance.now() - started) / 1000;
  const ran = records.filter((t) => t.status === 'completed' || t.status === 'failed');
  if (search.status !== 'succeeded') throw new Error(`the ${workers}-worker search ended ${search.status}`);
  if (firstStart === undefined || lastOutcome === undefined) throw new Error('no trial events were seen');
  const trialSeconds = (lastOutcome - firstStart) / 1000;
  return {
    workers,
    trials: ran.length,
    failed: ran.filter((t) => t.status === 'failed').length,
    trialSeconds,
    searchSeconds,
    trialsPerMinute: (ran.length / trialSeconds) * 60,
    medianTrialSeconds: median(ran.flatMap((t) => (t.durationMs === undefined ? [] : [t.durationMs / 1000]))),
  };
}

/** Run the same search with one and with two trainer threads. */
export async function benchWorkers(options: { trials?: number; log?: (line: string) => void } = {}): Promise<WorkerReport> {
  const trials = options.trials ?? 8;
  const log = options.log ?? (() => {});
  const folder = await mkdtemp(join(tmpdir(), 'modelsmith-bench-workers-'));
  try {
    const runs: WorkerRun[] = [];
    for (const workers of [1, 2]) {
      const run = await runOnce(folder, trials, workers);
      log(
        `  ${workers} worker${workers === 1 ? ' ' : 's'}: ${run.trials} trials in ${run.trialSeconds.toFixed(1)} s = ${run.trialsPerMinute.toFixed(1)} trials/min (median trial ${run.medianTrialSeconds.toFixed(2)} s; whole search ${run.searchSeconds.toFixed(1)} s)`,
      );
      runs.push(run);
    }
    const [one, two] = runs as [WorkerRun, WorkerRun];
    return {
      cores: availableParallelism(),
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
      description: `${trials} grid trials (MLP 1 layer × 32-256 units, CNN 1 block × 4-32 filters) on digits 8×8, 3 folds, 15 epochs, batch 32, no early stopping`,
      runs,
      speedup: two.trialsPerMinute / one.trialsPerMinute,
      target: TARGET_SPEEDUP,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export function formatWorkerReport(report: WorkerReport): string {
  const lines = [`trainer threads, real local search engine: ${report.description}`];
  for (const run of report.runs) {
    lines.push(
      `  ${run.workers} worker${run.workers === 1 ? ' ' : 's'}: ${run.trialsPerMinute.toFixed(1).padStart(6)} trials/min  (${run.trials} trials${run.failed ? `, ${run.failed} failed` : ''} in ${run.trialSeconds.toFixed(1)} s; median trial ${run.medianTrialSeconds.toFixed(2)} s; whole search ${run.searchSeconds.toFixed(1)} s)`,
    );
  }
  const verdict = report.speedup >= report.target ? 'meets' : 'below';
  lines.push(
    `  speedup 2 vs 1 worker: ${report.speedup.toFixed(2)}x (${verdict} the ${report.target}x target) on ${report.cores} cores, load average ${report.loadAverage.join(' ')} — other work on the machine makes this noisy`,
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { trials: { type: 'string', default: '8' }, json: { type: 'boolean', default: false } } });
  const report = await benchWorkers({ trials: Number(values.trials), log: (line) => process.stderr.write(`${line}\n`) });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatWorkerReport(report));
}
