/**
 * The `modelsmith` command line: run a search on the embedded local default, resume one,
 * list and show searches, and (models.ts) manage and serve model versions. A thin adapter over the local engine and the metadata store;
 * exit codes: 0 success, 1 the search failed, 2 invalid input (nothing written), 130 stopped.
 */
import { Command, Option } from 'commander';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatasetError, InfeasibleSpaceError, ModelsmithError, SpecError } from '../core/errors.js';
import { specObjective } from '../core/spec/schema.js';
import { initBackend, type BackendPreference } from '../runtime/backend.js';
import { readSpecFile, resumeLocalSearch, runLocalSearch, type LocalSearchResult } from '../runtime/local/engine.js';
import { LocalDatasetSource } from '../adapters/filesystem/dataset-source.js';
import { prepareSearch } from '../app/start-search.js';
import { openLocalStore } from '../runtime/local/store.js';
import { isRejected } from '../ports/records.js';
import { leaderboard, paretoTable, problems, searchSummary, statusCounts, formatDuration, formatValue } from './format.js';
import { SearchProgress } from './progress.js';
import { EXIT, homeOf, positiveInt, type CommonOptions, type Io } from './common.js';

export { EXIT } from './common.js';
import { addModelCommands } from './models.js';

/** Errors a user can fix by changing their input. */
function isInputError(error: unknown): boolean {
  return error instanceof SpecError || error instanceof DatasetError || error instanceof InfeasibleSpaceError;
}

function reportResult(result: LocalSearchResult, home: string, io: Io, json: boolean): number {
  const { search, trials } = result;
  if (json) {
    io.out(JSON.stringify({ ...search, trials }, null, 2));
  } else {
    io.out('');
    if (trials.some((t) => t.status === 'completed')) io.out(leaderboard(search, trials));
    const front = paretoTable(search, trials);
    if (front) io.out(front);
    const issues = problems(trials);
    if (issues.length) io.out(['trials that did not complete:', ...issues].join('\n'));
    io.out(searchSummary(search, trials, `${home}/artifacts`));
  }
  return search.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}

async function searchCommand(specPath: string, options: CommonOptions & { dataRoot?: string[]; workers?: number; backend: BackendPreference }, io: Io): Promise<number> {
  const home = homeOf(options, io);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  let progress: SearchProgress | undefined;
  try {
    const backend = await initBackend(options.backend);
    const result = await runLocalSearch(specPath, {
      home,
      ...(options.dataRoot ? { dataRoots: options.dataRoot.map((d) => resolve(d)) } : {}),
      ...(options.workers ? { workers: options.workers } : {}),
      backend: options.backend,
      signal: controller.signal,
      onStart: ({ searchId, workers, spec }) => {
        if (options.json) return;
        const objective = specObjective(spec);
        io.err(`modelsmith: training backend ${backend.detail}`);
        io.err(`search ${searchId}: up to ${spec.budget.maxTrials} trials, ${workers} in parallel, ${objective.direction} ${objective.metric}`);
        progress = new SearchProgress({
          total: spec.budget.maxTrials,
          workers,
          metric: objective.metric,
          direction: objective.direction,
          ...(spec.budget.maxMinutes !== undefined ? { maxMinutes: spec.budget.maxMinutes } : {}),
          interactive: io.interactive,
          write: io.err,
          now: () => performance.now(),
        });
      },
      onEvent: (event) => progress?.handle(event),
    });
    progress?.stop();
    return reportResult(result, home, io, Boolean(options.json));
  } catch (error) {
    progress?.stop();
    if (controller.signal.aborted) {
      io.err('stopped; resume the search with `modelsmith resume <searchId>`');
      return EXIT.interrupted;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

async function resumeCommand(searchId: string, options: CommonOptions & { dataRoot?: string[]; backend: BackendPreference }, io: Io): Promise<number> {
  const home = homeOf(options, io);
  const result = await resumeLocalSearch(searchId, {
    home,
    backend: options.backend,
    ...(options.dataRoot ? { dataRoots: options.dataRoot.map((d) => resolve(d)) } : {}),
    onEvent: (event) => {
      if (!options.json && event.type === 'TrialCompleted') io.err(`trial ${event.detail.trial} completed: ${formatValue(event.detail.value)}`);
    },
  });
  return reportResult(result, home, io, Boolean(options.json));
}

async function validateCommand(specPath: string, options: CommonOptions & { dataRoot?: string[] }, io: Io): Promise<number> {
  const { raw } = await readSpecFile(specPath);
  const base = dirname(resolve(specPath));
  const roots = [base, process.cwd(), ...(options.dataRoot ?? []).map((d) => resolve(d))];
  const context = await prepareSearch(new LocalDatasetSource(roots), raw, specPath, base);
  const summary = {
    valid: true,
    name: context.spec.name,
    dataset: context.datasetUri,
    examples: context.problem.examples.length,
    inputShape: context.dataShape.inputShape,
    classes: context.problem.classes,
    folds: context.plan.folds.length,
    test: context.plan.test.length,
    parameters: context.space.parameters.map((p) => p.name),
    notes: context.problem.notes,
  };
  if (options.json) io.out(JSON.stringify(summary, null, 2));
  else {
    io.out(`${specPath} is valid: ${summary.examples} examples, input ${JSON.stringify(summary.inputShape)}, ${summary.folds} folds + ${summary.test} test examples`);
    for (const note of summary.notes) io.out(`note: ${note}`);
  }
  return EXIT.ok;
}

async function listCommand(options: CommonOptions & { limit: number }, io: Io): Promise<number> {
  const store = await openLocalStore(homeOf(options, io));
  try {
    const searches = await store.metadata.listSearches(options.limit);
    if (options.json) {
      io.out(JSON.stringify(searches.map((s) => (isRejected(s) ? s : (({ spec: _spec, strategyState: _state, ...rest }) => rest)(s))), null, 2));
      return EXIT.ok;
    }
    if (searches.length === 0) {
      io.out('no searches yet; start one with `modelsmith search <spec.yaml>`');
      return EXIT.ok;
    }
    for (const s of searches) {
      if (isRejected(s)) {
        io.out(`${s.searchId}  rejected  ${s.error.message.split('\n')[0]}`);
        continue;
      }
      const best = s.best ? `${s.objective.metric} ${formatValue(s.best.value)}` : '-';
      const took = s.finishedAt ? formatDuration(Date.parse(s.finishedAt) - Date.parse(s.createdAt)) : '';
      io.out(`${s.searchId}  ${s.status.padEnd(9)} ${String(s.trialCount).padStart(4)} trials  best ${best}  ${took}`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function showCommand(searchId: string, options: CommonOptions & { all?: boolean }, io: Io): Promise<number> {
  const home = homeOf(options, io);
  const store = await openLocalStore(home);
  try {
    const search = await store.metadata.getSearch(searchId);
    if (!search) {
      io.err(`no search ${searchId} in ${home} (see \`modelsmith list\`)`);
      return EXIT.invalid;
    }
    const trials = await store.metadata.listTrials(searchId);
    if (options.json) {
      io.out(JSON.stringify({ ...search, trials }, null, 2));
      return EXIT.ok;
    }
    if (isRejected(search)) {
      io.out(`search ${searchId} was rejected (${search.source}):\n${search.error.message}`);
      return EXIT.ok;
    }
    io.out(searchSummary(search, trials, `${home}/artifacts`));
    io.out(`trials: ${statusCounts(trials)}`);
    if (trials.some((t) => t.status === 'completed')) io.out(leaderboard(search, trials, options.all ? Infinity : 10));
    const front = paretoTable(search, trials);
    if (front) io.out(front);
    const issues = problems(trials, options.all ? Infinity : 8);
    if (issues.length) io.out(['trials that did not complete:', ...issues].join('\n'));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** Build the program; exported for tests. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('modelsmith')
    .description('Search a space of neural networks for a learning problem, then version the best model.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const home = new Option('--home <dir>', 'where searches, models and the store live (default: $MODELSMITH_HOME or ./.modelsmith)');
  const json = new Option('--json', 'print machine-readable JSON on stdout');
  const dataRoot = new Option('--data-root <dir...>', 'another folder datasets may be read from');
  const backend = new Option('--backend <name>', 'training backend').choices(['auto', 'node', 'wasm', 'cpu']).default('auto');

  const run = (action: () => Promise<number>) => action().then(setExit);

  program
    .command('search')
    .description('run a search described by a spec file (YAML or JSON)')
    .argument('<spec>', 'the search spec')
    .addOption(home)
    .addOption(json)
    .addOption(dataRoot)
    .addOption(backend)
    .option('--workers <n>', 'trainer threads (default: the spec\'s maxParallel, at most the cores)', positiveInt)
    .action((spec: string, options) => run(() => searchCommand(spec, options, io)));

  program
    .command('resume')
    .description('resume a search that was stopped: finished trials are kept')
    .argument('<searchId>')
    .addOption(home)
    .addOption(json)
    .addOption(dataRoot)
    .addOption(backend)
    .action((id: string, options) => run(() => resumeCommand(id, options, io)));

  program
    .command('validate')
    .description('check a spec and its dataset without running anything')
    .argument('<spec>')
    .addOption(json)
    .addOption(dataRoot)
    .action((spec: string, options) => run(() => validateCommand(spec, options, io)));

  program
    .command('list')
    .description('list searches, newest first')
    .addOption(home)
    .addOption(json)
    .option('--limit <n>', 'how many', positiveInt, 50)
    .action((options) => run(() => listCommand(options, io)));

  program
    .command('show')
    .description('show a search: outcome, leaderboard, failed trials')
    .argument('<searchId>')
    .addOption(home)
    .addOption(json)
    .option('--all', 'every trial, not just the top ten')
    .action((id: string, options) => run(() => showCommand(id, options, io)));

  addModelCommands(program, io, run, { home, json });
  return program;
}

/** Run the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (error) {
    const commanderCode = (error as { code?: string }).code;
    if (commanderCode?.startsWith('commander.')) {
      return commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' ? EXIT.ok : EXIT.invalid;
    }
    if (isInputError(error)) {
      io.err((error as Error).message);
      return EXIT.invalid;
    }
    if (error instanceof ModelsmithError) {
      io.err(`${error.name}: ${error.message}`);
      return EXIT.failed;
    }
    io.err(`unexpected error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.failed;
  }
}

