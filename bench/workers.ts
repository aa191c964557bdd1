/**
 * Trainer-thread scaling (part of `npm run bench:train`, or on its own): trials per minute
 * of the real local search engine (`runLocalSearch`: the workflow definition, the embedded
 * store, the trainer thread pool) on fixed grids of CNN and MLP trials on the digits
 * example (see {@link TrialSet}): the same search, the same trials, once with one trainer
 * thread and once with two; prints the speedup of each set. Runs are interleaved and
 * repeated (`--repeats`, 1-2-2-1-1-2...), and the best run of each thread count is
 * compared, since on a shared machine interference only ever slows a run down.
 *
 * Two baselines are measured. `1 worker` runs on the same two cores as `2 workers`, so its
 * one trainer thread gets the second core for everything around it (V8's background
 * compilation and garbage collection, the store on the main thread: about a tenth of a
 * core). `1 worker, 1 core` confines the whole process to one core (Linux `taskset`,
 * skipped where it is missing), which is the per-core scaling: two workers on two cores
 * against one worker on one.
 *
 * The trial window runs from the first TrialStarted event to the last trial outcome, so it
 * leaves out thread start-up and the final model's training (one thread either way) but
 * keeps everything the workflow's lanes do between trials: proposing, recording, and any
 * time a thread sits idle. Both runs train the same trials with the same seeds, epochs and
 * folds.
 *
 * The engine runs as the built CLI runs it: the current sources are transpiled (no type
 * check) into a temporary folder first. Run from the TypeScript sources under tsx, the
 * trainer threads cannot load the wasm training kernels (backend.ts imports them with a
 * dynamic `import()`, which the threads' tsx setup does not resolve to `.ts`) and train on
 * the pure-JavaScript cpu backend; `--source` measures that configuration. Each run
 * reports the backend its trials recorded.
 *
 *   npx tsx bench/workers.ts [--trials 12] [--repeats 3] [--sets uniform,mixed] [--source] [--json]
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { stringify } from 'yaml';
import type { SearchEvent } from '../src/ports/event-bus.js';

type Engine = typeof import('../src/runtime/local/engine.js');

// The embedded store speaks DynamoDB's API; the SDK's notice about future Node versions is noise here.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** The speedup two trainer threads should reach on two free cores. */
export const TARGET_SPEEDUP = 1.7;

export interface WorkerRun {
  readonly workers: number;
  /** Cores the process was confined to. */
  readonly cores: number;
  /** Backends the trials recorded (e.g. `wasm`). */
  readonly backends: readonly string[];
  readonly trials: number;
  readonly failed: number;
  /** First TrialStarted to the last trial outcome. */
  readonly trialSeconds: number;
  /** The whole search, including start-up and the final model. */
  readonly searchSeconds: number;
  readonly trialsPerMinute: number;
  /** Median of the trials' own recorded durations. */
  readonly medianTrialSeconds: number;
  /**
   * The last trial's finish after the one before it: with two threads, how long one sat
   * idle at the end with nothing left to start (the set's tail, not a scheduling wait).
   */
  readonly tailSeconds: number;
  /** One-minute load average when the run ended. */
  readonly loadAverage: number;
  /** CPU time of the whole process (all threads) in the trial window, over its length: the cores it got. */
  readonly coresUsed: number;
  /** Share of the trial window the main thread (store, workflow engine) was busy. */
  readonly mainThreadBusy: number;
}

export interface WorkerReport {
  readonly set: TrialSet;
  /** `built`: transpiled sources run as plain JavaScript, as the CLI runs; `source`: under tsx. */
  readonly engine: 'built' | 'source';
  readonly cores: number;
  readonly loadAverage: readonly number[];
  readonly description: string;
  readonly runs: readonly WorkerRun[];
  /** The fastest run with one thread and with two (both on every core). */
  readonly best: readonly [WorkerRun, WorkerRun];
  /** Trials per minute with two threads over one, best runs. */
  readonly speedup: number;
  /** The fastest one-thread run confined to one core, and two threads over it; absent without `taskset`. */
  readonly perCore?: { readonly run: WorkerRun; readonly speedup: number };
  readonly target: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATASETS = join(ROOT, 'examples', 'datasets');

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * The local engine as plain JavaScript: every source file transpiled on its own (types
 * are not checked), JSON files copied, under `folder`, whose `node_modules` links to the
 * project's. Returns the engine module loaded from there.
 */
async function builtEngine(folder: string): Promise<Engine> {
  const files = [...(await filesUnder(join(ROOT, 'src'))), join(ROOT, 'config', 'cloud.json')];
  for (const file of files) {
    const target = join(folder, relative(ROOT, file));
    await mkdir(dirname(target), { recursive: true });
    if (file.endsWith('.json')) {
      await copyFile(file, target);
    } else if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
      const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      await writeFile(target.replace(/\.ts$/, '.js'), outputText);
    }
  }
  await writeFile(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(ROOT, 'node_modules'), join(folder, 'node_modules'), 'dir');
  return (await import(pathToFileURL(join(folder, 'src', 'runtime', 'local', 'engine.js')).href)) as Engine;
}

/**
 * Epochs per fold: enough that a trial takes seconds, as real ones do, so the comparison
 * measures trials running side by side rather than each thread's one-time warm-up (its
 * JIT and WebAssembly compilation, a second or two).
 */
const EPOCHS = 40;

/**
 * Workflow lanes (`budget.maxParallel`), the same for both runs, so that both run the same
 * search and differ only in trainer threads (`--workers`): with one thread the two lanes'
 * trials queue for it, with two each lane's trial trains on its own thread.
 */
const LANES = 2;

/**
 * The fixed trial sets, as grids. `uniform`: one CNN (16 filters) at `trials` learning
 * rates, so every trial costs the same and the comparison measures trials training side
 * by side. `mixed`: MLP widths and CNN filter counts, trials of very different cost,
 * which a synchronous round would make the faster thread wait for.
 */
export type TrialSet = 'uniform' | 'mixed';

function specFor(set: TrialSet, trials: number, maxParallel: number): Record<string, unknown> {
  const half = Math.max(1, Math.ceil(trials / 2));
  const widths = Array.from({ length: half }, (_, i) => 32 * 2 ** (i % 4) + 8 * Math.floor(i / 4));
  const filters = Array.from({ length: half }, (_, i) => 4 * 2 ** (i % 4) + 2 * Math.floor(i / 4));
  const learningRates = Array.from({ length: trials }, (_, i) => Number((0.001 * 1.2 ** i).toPrecision(3)));
  const cnn = { blocks: 1, kernel: 3, activation: 'relu', pooling: 'max', dense: 0, dropout: 0 };
  const space =
    set === 'uniform'
      ? { family: 'cnn', learningRate: learningRates, cnn: { ...cnn, filters: 16 } }
      : {
          family: ['mlp', 'cnn'],
          learningRate: 0.003,
          mlp: { layers: 1, units: widths, dropout: 0, activation: 'relu' },
          cnn: { ...cnn, filters },
        };
  return {
    name: `workers-bench-${set}`,
    task: 'classification',
    dataset: { uri: join(DATASETS, 'digits.csv'), target: 'digit', kind: 'image', shape: [8, 8, 1] },
    objective: { metric: 'accuracy' },
    evaluation: { folds: 3, patience: 1000 },
    space: { ...space, batchSize: 32, optimizer: 'adam', epochs: EPOCHS },
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

/** Confine every thread of this process (and threads it starts later) to the first `cores` cores. */
function confineTo(cores: number): void {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '-p', `0-${cores - 1}`, String(process.pid)], { stdio: 'ignore' });
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function runOnce(engine: Engine, folder: string, set: TrialSet, trials: number, workers: number, cores: number): Promise<WorkerRun> {
  const all = availableParallelism();
  if (cores < all) confineTo(cores);
  try {
    return await searchOnce(engine, folder, set, trials, workers, cores);
  } finally {
    if (cores < all) confineTo(all);
  }
}

async function searchOnce(engine: Engine, folder: string, set: TrialSet, trials: number, workers: number, cores: number): Promise<WorkerRun> {
  await mkdir(folder, { recursive: true });
  const specPath = join(folder, `workers-${set}-${workers}.yaml`);
  await writeFile(specPath, stringify(specFor(set, trials, LANES)));
  let firstStart: { wall: number; cpu: NodeJS.CpuUsage; loop: EventLoopUtilization } | undefined;
  let lastOutcome: { wall: number; cpu: NodeJS.CpuUsage; loop: EventLoopUtilization } | undefined;
  const onEvent = (event: SearchEvent): void => {
    if (event.type === 'TrialStarted') firstStart ??= { wall: performance.now(), cpu: process.cpuUsage(), loop: performance.eventLoopUtilization() };
    if (firstStart && (event.type === 'TrialCompleted' || event.type === 'TrialFailed' || event.type === 'TrialPruned')) {
      lastOutcome = { wall: performance.now(), cpu: process.cpuUsage(firstStart.cpu), loop: performance.eventLoopUtilization(firstStart.loop) };
    }
  };
  const started = performance.now();
  const { search, trials: records } = await engine.runLocalSearch(specPath, {
    home: join(folder, `home-${set}-${workers}`),
    dataRoots: [DATASETS],
    workers,
    backend: 'auto',
    onEvent,
  });
  const searchSeconds = (performance.now() - started) / 1000;
  const ran = records.filter((t) => t.status === 'completed' || t.status === 'failed');
  if (search.status !== 'succeeded') throw new Error(`the ${workers}-worker search ended ${search.status}`);
  if (firstStart === undefined || lastOutcome === undefined) throw new Error('no trial events were seen');
  const trialSeconds = (lastOutcome.wall - firstStart.wall) / 1000;
  return {
    workers,
    cores,
    backends: [...new Set(ran.map((t) => t.backend ?? 'unknown'))],
    trials: ran.length,
    failed: ran.filter((t) => t.status === 'failed').length,
    trialSeconds,
    searchSeconds,
    trialsPerMinute: (ran.length / trialSeconds) * 60,
    medianTrialSeconds: median(ran.flatMap((t) => (t.durationMs === undefined ? [] : [t.durationMs / 1000]))),
    tailSeconds: tailOf(ran),
    loadAverage: Number((loadavg()[0] ?? NaN).toFixed(2)),
    coresUsed: (lastOutcome.cpu.user + lastOutcome.cpu.system) / 1e6 / trialSeconds,
    mainThreadBusy: lastOutcome.loop.utilization,
  };
}

function tailOf(trials: readonly { finishedAt?: string }[]): number {
  const finishes = trials.flatMap((t) => (t.finishedAt ? [Date.parse(t.finishedAt)] : [])).sort((a, b) => a - b);
  return finishes.length < 2 ? 0 : ((finishes.at(-1) as number) - (finishes.at(-2) as number)) / 1000;
}

const DESCRIPTIONS: Record<TrialSet, string> = {
  uniform: 'CNN 1 block × 16 filters at as many learning rates',
  mixed: 'MLP 1 layer × 32-256 units and CNN 1 block × 4-32 filters',
};

/** Run the same search (one trial set) with one and with two trainer threads. */
export async function benchWorkers(
  options: { set?: TrialSet; trials?: number; repeats?: number; source?: boolean; log?: (line: string) => void } = {},
): Promise<WorkerReport> {
  const set = options.set ?? 'uniform';
  const trials = options.trials ?? 12;
  const repeats = options.repeats ?? 3;
  const log = options.log ?? (() => {});
  const folder = await mkdtemp(join(tmpdir(), 'modelsmith-bench-workers-'));
  try {
    const engine: Engine = options.source ? await import('../src/runtime/local/engine.js') : await builtEngine(join(folder, 'build'));
    const runs: WorkerRun[] = [];
    const cores = availableParallelism();
    const pinned = hasTaskset() && cores > 1;
    if (!pinned) log('  (taskset is not available: the one-core baseline is skipped)');
    // Interleaved (1, 2, 1 on one core, then the reverse, ...) so that a slow spell of a shared machine hits every kind.
    const kinds: [workers: number, cores: number][] = [[1, cores], [2, cores], ...(pinned ? [[1, 1] as [number, number]] : [])];
    const order = Array.from({ length: repeats }, (_, r) => (r % 2 === 0 ? kinds : [...kinds].reverse())).flat();
    for (const [i, [workers, confined]] of order.entries()) {
      const run = await runOnce(engine, join(folder, String(i)), set, trials, workers, confined);
      log(
        `  ${set}, ${workers} worker${workers === 1 ? ' ' : 's'}${confined < cores ? ', 1 core' : ''}: ${run.trials} trials in ${run.trialSeconds.toFixed(1)} s on ${run.backends.join('+')} = ${run.trialsPerMinute.toFixed(1)} trials/min (${run.coresUsed.toFixed(2)} cores used, main thread busy ${(run.mainThreadBusy * 100).toFixed(0)}%, last trial alone ${run.tailSeconds.toFixed(1)} s)`,
      );
      runs.push(run);
    }
    // Best of the repeats for each: interference only ever slows a run down.
    const best = (workers: number, confined: number) =>
      runs.filter((r) => r.workers === workers && r.cores === confined).reduce((a, b) => (b.trialsPerMinute > a.trialsPerMinute ? b : a));
    const [one, two] = [best(1, cores), best(2, cores)];
    const onOneCore = pinned ? best(1, 1) : undefined;
    return {
      set,
      engine: options.source ? 'source' : 'built',
      cores: availableParallelism(),
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
      description: `${set} set: ${trials} grid trials (${DESCRIPTIONS[set]}) on digits 8×8, 3 folds, ${EPOCHS} epochs, batch 32, no early stopping`,
      runs,
      best: [one, two],
      speedup: two.trialsPerMinute / one.trialsPerMinute,
      ...(onOneCore ? { perCore: { run: onOneCore, speedup: two.trialsPerMinute / onOneCore.trialsPerMinute } } : {}),
      target: TARGET_SPEEDUP,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export function formatWorkerReport(report: WorkerReport): string {
  const engine = report.engine === 'built' ? 'sources transpiled to JavaScript, as the CLI runs' : 'TypeScript sources under tsx';
  const lines = [`trainer threads, real local search engine (${engine}): ${report.description}`];
  for (const run of [...report.best, ...(report.perCore ? [report.perCore.run] : [])]) {
    const label = `${run.workers} worker${run.workers === 1 ? ' ' : 's'}${run.cores < report.cores ? ', 1 core' : ''}`;
    lines.push(
      `  ${label.padEnd(17)} ${run.trialsPerMinute.toFixed(1).padStart(6)} trials/min  (${run.trials} trials${run.failed ? `, ${run.failed} failed` : ''} in ${run.trialSeconds.toFixed(1)} s on ${run.backends.join('+')}; median trial ${run.medianTrialSeconds.toFixed(2)} s; whole search ${run.searchSeconds.toFixed(1)} s)`,
      `  ${''.padEnd(17)} the process used ${run.coresUsed.toFixed(2)} cores, main thread busy ${(run.mainThreadBusy * 100).toFixed(0)}%, last trial alone ${run.tailSeconds.toFixed(1)} s, load average ${run.loadAverage}`,
    );
  }
  const verdict = (speedup: number) => (speedup >= report.target ? 'meets' : 'below');
  lines.push(
    `  (best of ${report.runs.length / (report.perCore ? 3 : 2)} interleaved runs each; all: ${report.runs.map((r) => `${r.workers}w${r.cores < report.cores ? '/1c' : ''} ${r.trialsPerMinute.toFixed(1)}`).join(', ')} trials/min)`,
    `  speedup 2 workers vs 1, both on ${report.cores} cores: ${report.speedup.toFixed(2)}x (${verdict(report.speedup)} the ${report.target}x target)`,
    ...(report.perCore
      ? [`  speedup 2 workers on ${report.cores} cores vs 1 worker on 1 core: ${report.perCore.speedup.toFixed(2)}x (${verdict(report.perCore.speedup)} the ${report.target}x target)`]
      : []),
    `  load average ${report.loadAverage.join(' ')} — other work on the machine makes this noisy`,
  );
  return lines.join('\n');
}

/** The trial sets named in a comma-separated option. */
export function trialSets(option: string): TrialSet[] {
  const sets = option.split(',').map((s) => s.trim()).filter(Boolean);
  for (const set of sets) if (!(set in DESCRIPTIONS)) throw new RangeError(`unknown trial set '${set}' (expected ${Object.keys(DESCRIPTIONS).join(', ')})`);
  return sets as TrialSet[];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '12' },
      repeats: { type: 'string', default: '3' },
      sets: { type: 'string', default: 'uniform,mixed' },
      source: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const reports: WorkerReport[] = [];
  for (const set of trialSets(values.sets)) {
    reports.push(await benchWorkers({ set, trials: Number(values.trials), repeats: Number(values.repeats), source: values.source, log: (line) => process.stderr.write(`${line}\n`) }));
  }
  console.log(values.json ? JSON.stringify(reports, null, 2) : reports.map(formatWorkerReport).join('\n\n'));
}
