/**
 * Strategy benchmark (`npm run bench:search`): every strategy on Branin and Hartmann6,
 * over many seeds, sequential trials; prints the median simple regret after 50 and 100
 * trials and the median time to propose one trial. With `--optuna` (and Debian's
 * python3-optuna installed) it runs Optuna's TPE and random samplers under the same
 * protocol and prints them alongside.
 *
 *   npx tsx bench/search.ts [--seeds 20] [--trials 100] [--strategies random,bayesian] [--optuna]
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createTuner } from '../src/core/tuner.js';
import { STRATEGY_NAMES } from '../src/core/strategies/index.js';
import { TEST_FUNCTIONS, type TestFunction } from './functions.js';
import { findPython } from './python.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    trials: { type: 'string', default: '100' },
    strategies: { type: 'string' },
    optuna: { type: 'boolean', default: false },
  },
});
const seeds = Number(args.seeds);
const trials = Number(args.trials);
const checkpoints = [50, 100].filter((c) => c <= trials);
const strategies = (args.strategies?.split(',') ?? STRATEGY_NAMES.filter((s) => s !== 'grid' && !['hyperband', 'asha', 'nsga2'].includes(s))).filter(Boolean);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Regret after each checkpoint, and propose times, for one strategy, function and seed. */
function runOnce(strategy: string, fn: TestFunction, seed: number): { regret: number[]; proposeMs: number[] } {
  const tuner = createTuner({ space: fn.space, strategy, direction: 'minimize', seed });
  let best = Infinity;
  const regret: number[] = [];
  const proposeMs: number[] = [];
  for (let t = 1; t <= trials; t++) {
    const start = performance.now();
    const [trial] = tuner.ask(1);
    proposeMs.push(performance.now() - start);
    if (!trial) break;
    const value = fn.evaluate(trial.params);
    tuner.tell(trial.id, value);
    best = Math.min(best, value);
    if (checkpoints.includes(t)) regret.push(best - fn.minimum);
  }
  return { regret, proposeMs };
}

type Row = { strategy: string; fn: string; medians: number[]; proposeMs: number };
const rows: Row[] = [];
for (const fn of TEST_FUNCTIONS) {
  for (const strategy of strategies) {
    const perCheckpoint: number[][] = checkpoints.map(() => []);
    const times: number[] = [];
    const started = performance.now();
    for (let seed = 0; seed < seeds; seed++) {
      const { regret, proposeMs } = runOnce(strategy, fn, seed);
      regret.forEach((r, i) => perCheckpoint[i]?.push(r));
      times.push(...proposeMs);
    }
    rows.push({ strategy, fn: fn.name, medians: perCheckpoint.map(median), proposeMs: median(times) });
    process.stderr.write(`${fn.name} ${strategy}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

if (args.optuna) {
  const script = new URL('./optuna-reference.py', import.meta.url).pathname;
  const found = findPython('optuna');
  const out = found.python ? spawnSync(found.python, [script, String(seeds), String(trials)], { encoding: 'utf8' }) : undefined;
  if (!out || out.status !== 0) {
    const reason = out ? (out.stderr.split('\n').filter(Boolean).at(-1) ?? `${found.python} failed`) : found.reason;
    process.stderr.write(`Optuna reference NOT RUN: ${reason} (apt-get install python3-optuna)\n`);
  } else {
    process.stderr.write(`Optuna reference: ${found.reason}\n`);
    for (const row of JSON.parse(out.stdout) as { strategy: string; fn: string; medians: number[] }[]) rows.push({ ...row, proposeMs: Number.NaN });
  }
}

const header = ['function', 'strategy', ...checkpoints.map((c) => `regret@${c}`), 'propose ms'];
const lines = rows.map((r) => [r.fn, r.strategy, ...r.medians.map((m) => m.toExponential(3)), Number.isFinite(r.proposeMs) ? r.proposeMs.toFixed(2) : '-']);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
console.log(`median simple regret over ${seeds} seeds, ${trials} sequential trials`);
console.log(format(header));
for (const line of lines) console.log(format(line));

// Proposal cost with a long history: the Bayesian proposal that follows 200 observations of
// Hartmann6 in a Bayesian search (its state carries the fitted kernel, as in a real search).
{
  const fn = TEST_FUNCTIONS.find((f) => f.name.toLowerCase() === 'hartmann6') ?? (TEST_FUNCTIONS[0] as TestFunction);
  const times: number[] = [];
  for (let seed = 0; seed < 3; seed++) {
    const tuner = createTuner({ space: fn.space, strategy: 'bayesian', direction: 'minimize', seed });
    for (let t = 0; t < 200; t++) {
      const [trial] = tuner.ask(1);
      if (trial) tuner.tell(trial.id, fn.evaluate(trial.params));
    }
    const start = performance.now();
    tuner.ask(1);
    times.push(performance.now() - start);
  }
  console.log(`bayesian: proposing one trial after 200 observations (${fn.name}): median ${median(times).toFixed(1)} ms over 3 seeds`);
}
