/**
 * StartSearch: validate a spec and its dataset, check that the constraints leave something
 * to search, and record the new search. Starting an id that already exists resumes it
 * (a killed run goes on where it stopped) instead of starting over.
 */
import { z } from 'zod';
import { parseSpec } from '../core/spec/parse.js';
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, SearchError, SpecError, type SpecIssue } from '../core/errors.js';
import { compileSpace } from '../core/space/space.js';
import { autoStrategyName } from '../core/strategies/index.js';
import { specObjective, specObjectives, specStrategy, type SearchSpec } from '../core/spec/schema.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { isRejected } from '../ports/records.js';
import type { DatasetSource } from '../ports/dataset-source.js';
import { artifactKeys } from '../ports/artifact-store.js';
import type { SearchRecord } from '../ports/records.js';
import { assertFeasibleSpace, buildContext, loadTable, summarizeDataset, type SearchContext } from './context.js';
import { nowIso, type Services } from './services.js';

export const StartSearchInput = z.object({
  searchId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
  /** The spec as written; absent when an execution continues an existing search. */
  spec: z.unknown().optional(),
  /** Where the spec came from, for messages. */
  source: z.string().default('request'),
  /** What a relative dataset URI is resolved against (the spec's folder or object prefix). */
  base: z.string().default(''),
});
export type StartSearchInput = z.infer<typeof StartSearchInput>;

/** One lane of an execution: the lanes propose and train trials side by side. */
export interface LaneRef {
  readonly searchId: string;
  /** This execution's number among the search's executions. */
  readonly run: number;
  readonly lane: number;
}

export interface StartSearchOutput {
  readonly searchId: string;
  readonly resumed: boolean;
  readonly run: number;
  /** `maxParallel` lanes, the items of the workflow's lanes Map. */
  readonly lanes: readonly LaneRef[];
}

function started(searchId: string, resumed: boolean, run: number, spec: SearchSpec): StartSearchOutput {
  const lanes = Array.from({ length: spec.budget.maxParallel }, (_, lane) => ({ searchId, run, lane }));
  return { searchId, resumed, run, lanes };
}

/**
 * Validate everything a search needs before anything is written: the spec, the dataset,
 * the evaluation plan and the feasibility of the constraints.
 */
export async function prepareSearch(
  datasets: DatasetSource,
  spec: unknown,
  source: string,
  base: string,
  metadata?: MetadataStore,
): Promise<SearchContext> {
  const parsed: SearchSpec = parseSpec(spec, source);
  const { uri, table } = await loadTable(datasets, parsed, base);
  const context = buildContext(parsed, uri, table);
  assertFeasibleSpace(context);
  if (metadata) await validateWarmStart(metadata, context);
  return context;
}

/** Warm starts must name recorded searches over the same space. */
export async function validateWarmStart(metadata: MetadataStore, context: SearchContext): Promise<void> {
  const from = context.spec.warmStart?.from ?? [];
  const issues: SpecIssue[] = [];
  for (const [i, searchId] of from.entries()) {
    const earlier = await metadata.getSearch(searchId);
    if (!earlier || isRejected(earlier)) {
      issues.push({ path: `warmStart.from[${i}]`, message: `no search ${searchId} to start from` });
    } else if (!isDeepStrictEqual(compileSpace(earlier.spec.space), context.space)) {
      issues.push({ path: `warmStart.from[${i}]`, message: `search ${searchId} searched a different space; warm starts need the same space` });
    }
  }
  if (issues.length) throw new SpecError(issues);
}

export async function startSearch(services: Services, raw: z.input<typeof StartSearchInput>): Promise<StartSearchOutput> {
  const input = StartSearchInput.parse(raw);
  const existing = await services.metadata.getSearch(input.searchId);
  if (existing) {
    if (existing.status !== 'running') {
      throw new SearchError(`search ${input.searchId} already ${existing.status}; start a new search instead`);
    }
    // Each execution is a new run: what earlier runs left unfinished is theirs to take over.
    const run = (existing.runs ?? 0) + 1;
    await services.metadata.updateSearch(input.searchId, { runs: run, updatedAt: nowIso(services) });
    return started(input.searchId, true, run, existing.spec);
  }
  if (input.spec === undefined) throw new SearchError(`no search ${input.searchId} to continue, and no spec to start one`);
  const context = await prepareSearch(services.datasets, input.spec, input.source, input.base, services.metadata);
  services.cache.set(`context:${input.searchId}`, Promise.resolve(context));
  const { spec } = context;
  const at = nowIso(services);
  const search: SearchRecord = {
    searchId: input.searchId,
    name: spec.name,
    status: 'running',
    spec,
    source: input.source,
    dataset: summarizeDataset(context),
    objective: specObjective(spec),
    objectives: specObjectives(spec),
    strategy: resolvedStrategyName(spec, context.space),
    createdAt: at,
    updatedAt: at,
    trialCount: 0,
    runs: 1,
    notes: context.problem.notes,
  };
  try {
    await services.metadata.createSearch(search);
  } catch (error) {
    // Created meanwhile by a concurrent delivery of this step: start it as a resumed run.
    if (error instanceof ConflictError) return startSearch(services, { ...input, spec: undefined });
    throw error;
  }
  await services.artifacts.put(artifactKeys.spec(input.searchId), JSON.stringify(spec, null, 2), 'application/json');
  await services.events.publish({
    type: 'SearchStarted',
    searchId: input.searchId,
    time: at,
    detail: {
      name: spec.name,
      maxTrials: spec.budget.maxTrials,
      maxParallel: spec.budget.maxParallel,
      strategy: search.strategy ?? specStrategy(spec).name,
      objective: `${search.objective.direction} ${search.objective.metric}`,
    },
  });
  return started(input.searchId, false, 1, spec);
}

/** The strategy name a spec runs with, `auto` resolved. */
function resolvedStrategyName(spec: SearchSpec, space: SearchContext['space']): string {
  const { name } = specStrategy(spec);
  return name === 'auto' ? autoStrategyName(spec, space) : name;
}
