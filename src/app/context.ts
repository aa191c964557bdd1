/**
 * A search's working context: the validated spec, its dataset parsed into a problem, the
 * evaluation plan and the compiled space. Built once per process per search and memoized,
 * so a warm Lambda or a local worker parses the data once for all its trials.
 */
import { planEvaluation, type EvaluationPlan } from '../core/data/plan.js';
import { dataShapeOf, defineProblem, type Problem } from '../core/data/problem.js';
import { parseCsv, parseJson, type Table } from '../core/data/table.js';
import { prepareFold, type PreparedFold } from '../core/data/folds.js';
import { DatasetError, InfeasibleSpaceError } from '../core/errors.js';
import { describeArchitecture } from '../core/models/architecture.js';
import { estimateCost } from '../core/models/cost.js';
import type { DataShape, ModelCost } from '../core/models/types.js';
import { createRng } from '../core/random.js';
import type { Scalar } from '../core/space/catalog.js';
import { compileSpace, isActive, sampleAssignment, type Assignment, type SearchSpace } from '../core/space/space.js';
import type { SearchSpec } from '../core/spec/schema.js';
import type { DatasetSummary } from '../ports/records.js';
import type { DatasetSource } from '../ports/dataset-source.js';
import type { Services } from './services.js';

export interface SearchContext {
  readonly spec: SearchSpec;
  readonly datasetUri: string;
  readonly problem: Problem;
  readonly plan: EvaluationPlan;
  readonly space: SearchSpace;
  readonly dataShape: DataShape;
  /** Encoded folds, built on first use and kept for later trials. */
  fold(index: number): PreparedFold;
}

/** Parse dataset text by its declared or inferred format. */
export function parseTable(text: string, uri: string, format?: 'csv' | 'json'): Table {
  const kind = format ?? (/\.json$/i.test(uri) ? 'json' : 'csv');
  return kind === 'json' ? parseJson(text, uri) : parseCsv(text, uri);
}

/** Build a context from a spec and its dataset text. Throws DatasetError on data problems. */
export function buildContext(spec: SearchSpec, datasetUri: string, table: Table): SearchContext {
  const problem = defineProblem(table, spec.dataset, spec.task);
  const plan = planEvaluation(problem, spec.evaluation, spec.seed);
  const folds = new Map<number, PreparedFold>();
  return {
    spec,
    datasetUri,
    problem,
    plan,
    space: compileSpace(spec.space),
    dataShape: dataShapeOf(problem),
    fold(index) {
      let prepared = folds.get(index);
      if (!prepared) {
        const fold = plan.folds[index];
        if (!fold) throw new RangeError(`no fold ${index}`);
        folds.set(index, (prepared = prepareFold(problem, fold)));
      }
      return prepared;
    },
  };
}

/** Resolve and read a spec's dataset. */
export async function loadTable(datasets: DatasetSource, spec: SearchSpec, base: string): Promise<{ uri: string; table: Table }> {
  const uri = datasets.resolve(spec.dataset.uri, base);
  let text: string;
  try {
    text = await datasets.read(uri);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`dataset.uri: cannot read ${spec.dataset.uri}: ${(error as Error).message}`, { cause: error });
  }
  return { uri, table: parseTable(text, uri, spec.dataset.format) };
}

/** The memoized context of a search, loading its dataset on first use in this process. */
export async function contextOf(services: Services, searchId: string, spec: SearchSpec, datasetUri: string): Promise<SearchContext> {
  const key = `context:${searchId}`;
  const cached = services.cache.get(key) as Promise<SearchContext> | undefined;
  if (cached) return cached;
  // A table shared by the host process (local trainer threads) is used as is.
  const shared = services.cache.get(`table:${datasetUri}`) as Table | undefined;
  const loading = (async () => {
    const table = shared ?? parseTable(await services.datasets.read(datasetUri), datasetUri, spec.dataset.format);
    return buildContext(spec, datasetUri, table);
  })();
  services.cache.set(key, loading);
  loading.catch(() => services.cache.delete(key));
  return loading;
}

/** What a search record says about its data. */
export function summarizeDataset(context: SearchContext): DatasetSummary {
  return {
    uri: context.datasetUri,
    rows: context.problem.table.rowCount,
    examples: context.problem.examples.length,
    inputShape: context.dataShape.inputShape,
    classes: context.problem.classes,
    development: context.plan.development.length,
    test: context.plan.test.length,
  };
}

/** Why an assignment breaks the size limits known before training, or null when it fits. */
export function staticViolation(spec: SearchSpec, cost: ModelCost): string | null {
  const { maxParams, maxFlops } = spec.constraints;
  if (maxParams !== undefined && cost.params > maxParams) {
    return `${cost.params.toLocaleString('en-US')} parameters exceed constraints.maxParams ${maxParams.toLocaleString('en-US')}`;
  }
  if (maxFlops !== undefined && cost.flops > maxFlops) {
    return `${cost.flops.toLocaleString('en-US')} FLOPs per inference exceed constraints.maxFlops ${maxFlops.toLocaleString('en-US')}`;
  }
  return null;
}

/** The architecture and cost of an assignment in this context. */
export function costOf(context: Pick<SearchContext, 'dataShape'>, assignment: Assignment) {
  const architecture = describeArchitecture(assignment, context.dataShape);
  return { architecture, cost: estimateCost(architecture) };
}

/** Per family, the assignment with every range and ordered choice at its smallest value. */
function smallestCorners(space: SearchSpace): Assignment[] {
  const family = space.parameters.find((p) => p.name === 'family');
  const families = family?.kind === 'categorical' ? family.choices : [];
  return families.map((f) => {
    const corner: Record<string, Scalar> = { family: f };
    for (const p of space.parameters) {
      if (p.name === 'family' || !isActive(p, corner)) continue;
      corner[p.name] =
        p.kind !== 'categorical' ? p.low : p.ordered ? Math.min(...(p.choices as number[])) : (p.choices[0] as Scalar);
    }
    return corner;
  });
}

/** Candidates sampled when checking that the constraints leave anything to search. */
const FEASIBILITY_SAMPLES = 2000;

/**
 * Fail early when no candidate can meet the size constraints: sample the space and report
 * the smallest model found, so the user knows how far off the limits are.
 */
export function assertFeasibleSpace(context: SearchContext): void {
  const { maxParams, maxFlops } = context.spec.constraints;
  if (maxParams === undefined && maxFlops === undefined) return;
  const rng = createRng(context.spec.seed, 'feasibility');
  let smallest: ModelCost | undefined;
  const candidates = [...smallestCorners(context.space), ...Array.from({ length: FEASIBILITY_SAMPLES }, () => sampleAssignment(context.space, rng))];
  for (const candidate of candidates) {
    const { cost } = costOf(context, candidate);
    if (staticViolation(context.spec, cost) === null) return;
    if (!smallest || cost.params + cost.flops < smallest.params + smallest.flops) smallest = cost;
  }
  const limits = [
    maxParams !== undefined ? `maxParams ${maxParams.toLocaleString('en-US')}` : '',
    maxFlops !== undefined ? `maxFlops ${maxFlops.toLocaleString('en-US')}` : '',
  ].filter(Boolean);
  throw new InfeasibleSpaceError(
    `constraints: no candidate in the space meets ${limits.join(' and ')}; the smallest of ${FEASIBILITY_SAMPLES} sampled has ${smallest?.params.toLocaleString('en-US')} parameters and ${smallest?.flops.toLocaleString('en-US')} FLOPs. Relax the constraints or shrink the space`,
    { context: { smallest } },
  );
}
