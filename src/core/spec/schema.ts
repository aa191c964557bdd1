/**
 * The search spec: what a user writes to describe a learning problem and the models
 * worth trying. This zod schema is the single source of truth; the published JSON Schema
 * (schema/search-spec.schema.json) is generated from it, and every entry point (CLI,
 * API, S3 upload) parses specs through {@link parseSpec} in ./parse.ts.
 */
import { z } from 'zod';
import {
  COMMON_PARAMETERS,
  FAMILIES,
  FAMILIES_BY_DATA_KIND,
  FAMILY_PARAMETERS,
  type CatalogEntry,
  type CommonParameter,
  type Domain,
  type Family,
  type FamilyParameter,
} from '../space/catalog.js';
import {
  CLASSIFICATION_METRICS,
  isSizeMetric,
  METRIC_NAMES,
  metricDirection,
  REGRESSION_METRICS,
  SIZE_METRICS,
  type Direction,
  type ObjectiveMetric,
} from '../metrics/names.js';

const DATA_KINDS = ['tabular', 'image', 'sequence'] as const;

/** Schema for one hyperparameter domain, derived from its catalog entry. */
function domainSchema(entry: CatalogEntry) {
  if (entry.kind === 'categorical') {
    const choices = entry.choices as readonly (string | number | boolean)[];
    const literal = z.union(choices.map((c) => z.literal(c)) as unknown as [z.ZodLiteral, z.ZodLiteral], {
      error: `expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`,
    });
    return z
      .union([literal, z.array(literal).min(1, 'a list of choices must not be empty')], {
        error: `expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, or a list of them`,
      })
      .describe(entry.doc);
  }
  const [low, high] = entry.bounds;
  const isInt = entry.kind === 'int';
  const kind = isInt ? 'an integer' : 'a number';
  const value = (isInt ? z.int({ error: `expected ${kind}` }) : z.number({ error: `expected ${kind}` }))
    .min(low, `must be at least ${low}`)
    .max(high, `must be at most ${high}`);
  const range = z
    .object({
      min: value,
      max: value,
      log: z.boolean().optional().describe('Sample on a log scale (min must be > 0).'),
      step: (isInt ? z.int() : z.number()).positive().optional().describe('Quantize to multiples of step from min.'),
    })
    .strict()
    .refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['max'] })
    .refine((r) => !r.log || r.min > 0, { message: 'a log range needs min > 0', path: ['min'] });
  return z
    .union([value, z.array(value).min(1, 'a list of choices must not be empty'), range], {
      error: `expected ${kind}, a list of them, or a range {min, max, log?}`,
    })
    .describe(entry.doc);
}

function blockSchema(entries: Record<string, CatalogEntry>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, entry] of Object.entries(entries)) shape[name] = domainSchema(entry).optional();
  return z.object(shape).strict();
}

const familySchema = z.enum(FAMILIES, { error: `expected one of ${FAMILIES.join(', ')}` });

export const SpaceSchema = z
  .object({
    family: z
      .union([familySchema, z.array(familySchema).min(1, 'name at least one model family')], {
        error: `expected a family (${FAMILIES.join(', ')}) or a list of them`,
      })
      .describe('Model families to try.'),
    ...Object.fromEntries(Object.entries(COMMON_PARAMETERS).map(([k, e]) => [k, domainSchema(e).optional()])),
    ...Object.fromEntries(
      FAMILIES.map((f) => [f, blockSchema(FAMILY_PARAMETERS[f]).optional().describe(`Hyperparameters of the ${f} family.`)]),
    ),
  })
  .strict()
  .describe('The hyperparameters to search. Family blocks apply only when that family is chosen.');

export const DatasetSchema = z
  .object({
    uri: z.string().min(1).describe('CSV or JSON file, relative to the spec file (s3://bucket/key in the cloud).'),
    format: z.enum(['csv', 'json']).optional().describe('Defaults to the file extension.'),
    target: z.string().min(1).describe('Column to predict.'),
    kind: z.enum(DATA_KINDS).default('tabular').describe('tabular rows, images from flat pixel columns, or sequences.'),
    features: z.array(z.string().min(1)).min(1).optional().describe('Input columns; default: every column but the target.'),
    exclude: z.array(z.string().min(1)).optional().describe('Columns to leave out of the inputs.'),
    shape: z
      .tuple([z.int().positive(), z.int().positive(), z.int().positive()])
      .optional()
      .describe('Image kind: [height, width, channels] of the flat pixel columns, row-major.'),
    window: z.int().min(1).max(1000).optional().describe('Sequence kind: number of past rows each example sees.'),
    horizon: z.int().min(1).max(1000).default(1).describe('Sequence kind: predict the target this many rows ahead.'),
    orderBy: z.string().min(1).optional().describe('Sequence kind: column that orders the rows (default: file order).'),
  })
  .strict();

/** Every search strategy a spec may name. */
export const STRATEGY_CHOICES = ['auto', 'random', 'grid', 'bayesian', 'tpe', 'evolution', 'nsga2', 'hyperband', 'asha'] as const;
export type StrategyName = (typeof STRATEGY_CHOICES)[number];

/** Strategies that schedule epochs themselves (multi-fidelity). */
export const MULTI_FIDELITY_STRATEGIES: readonly StrategyName[] = ['hyperband', 'asha'];
/** Strategies that optimize several objectives at once. */
export const MULTI_OBJECTIVE_STRATEGIES: readonly StrategyName[] = ['nsga2', 'random', 'grid', 'hyperband', 'asha'];

const count = (min: number, max: number, doc: string) => z.int().min(min).max(max).optional().describe(doc);
const fidelityOptions = {
  minEpochs: count(1, 1000, 'Epochs at the lowest rung (default: the maximum divided by reductionFactor cubed, at least 1).'),
  reductionFactor: count(2, 10, 'Keep the best 1/reductionFactor at each rung (default 3).'),
  sampler: z
    .enum(['random', 'tpe'])
    .optional()
    .describe('Where new configurations come from: uniform random (default) or TPE fitted on the highest budget with enough results (BOHB).'),
};

export const StrategySchema = z
  .union(
    [
      z.enum(STRATEGY_CHOICES),
      z.object({ name: z.literal('auto') }).strict(),
      z.object({ name: z.literal('random') }).strict(),
      z.object({ name: z.literal('grid'), gridPoints: z.int().min(2).max(50).default(3).describe('Levels per numeric range.') }).strict(),
      z.object({ name: z.literal('bayesian'), initialTrials: count(1, 1000, 'Space-filling trials before the model takes over.') }).strict(),
      z.object({ name: z.literal('tpe'), startupTrials: count(1, 1000, 'Random trials before the estimators take over.') }).strict(),
      z
        .object({
          name: z.literal('evolution'),
          population: count(2, 10000, 'Trials in the population (the most recent ones).'),
          tournament: count(2, 10000, 'Candidates compared to pick each parent.'),
        })
        .strict(),
      z.object({ name: z.literal('nsga2'), population: count(2, 10000, 'Trials per generation.') }).strict(),
      z.object({ name: z.literal('hyperband'), ...fidelityOptions }).strict(),
      z.object({ name: z.literal('asha'), ...fidelityOptions }).strict(),
    ],
    { error: `expected one of ${STRATEGY_CHOICES.join(', ')}, or {name, ...options}` },
  )
  .default('auto')
  .describe('How candidates are chosen. auto picks Bayesian optimization or TPE by the space.');

const PRUNER_CHOICES = ['none', 'median'] as const;

export const PrunerSchema = z
  .union(
    [
      z.enum(PRUNER_CHOICES),
      z
        .object({
          name: z.literal('median'),
          warmupEpochs: z.int().min(0).max(1000).default(5).describe('Epochs every trial trains before it can be pruned.'),
          minTrials: z.int().min(1).max(1000).default(5).describe('Completed trials needed before pruning starts.'),
        })
        .strict(),
    ],
    { error: 'expected "none", "median", or {name: median, warmupEpochs?, minTrials?}' },
  )
  .default('none')
  .describe('Stop unpromising trials early: median stops a trial whose validation loss is worse than the median of earlier trials at the same epoch.');

const objectiveMetricSchema = z.enum([...METRIC_NAMES, ...SIZE_METRICS], {
  error: `expected one of ${[...METRIC_NAMES, ...SIZE_METRICS].join(', ')}`,
});

const ObjectiveSchema = z
  .object({
    metric: objectiveMetricSchema,
    direction: z.enum(['maximize', 'minimize']).optional().describe('Defaults to the metric\'s natural direction.'),
  })
  .strict();

const COMPUTE_TARGETS = ['auto', 'lambda', 'gpu'] as const;

/** Where trials train in the cloud: Lambda, GPU containers, or chosen per trial by size. */
export const ComputeSchema = z
  .union(
    [
      z.enum(COMPUTE_TARGETS),
      z
        .object({
          target: z.enum(COMPUTE_TARGETS).default('auto'),
          gpuAboveFlops: z.number().positive().optional().describe('auto: trials with more FLOPs per inference train on a GPU.'),
          gpuAboveParams: z.int().positive().optional().describe('auto: trials with more parameters train on a GPU.'),
        })
        .strict(),
    ],
    { error: 'expected "auto", "lambda", "gpu", or {target, gpuAboveFlops?, gpuAboveParams?}' },
  )
  .default('auto')
  .describe('Where trials train in the cloud (locally every trial trains on the trainer threads).');

export const SearchSpecSchema = z
  .object({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
        'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      )
      .describe('Model name: versions of the winning model are numbered under it.'),
    description: z.string().max(2000).optional(),
    task: z.enum(['classification', 'regression']),
    dataset: DatasetSchema,
    objective: z
      .union([ObjectiveSchema, z.array(ObjectiveSchema).min(1).max(4)], {
        error: 'expected {metric, direction?} or a list of them (the first is the primary objective)',
      })
      .optional()
      .describe('What to optimize; a list optimizes several objectives at once (a Pareto front), e.g. accuracy and latency_ms.'),
    evaluation: z
      .object({
        folds: z.int().min(2).max(20).default(5).describe('Cross-validation folds (stratified for classification).'),
        testFraction: z.number().min(0.05).max(0.5).default(0.2).describe('Held out and scored once for the final model.'),
        validationFraction: z
          .number()
          .min(0.05)
          .max(0.5)
          .default(0.1)
          .describe('Share of each training fold used for early stopping.'),
        patience: z.int().min(1).max(1000).default(8).describe('Epochs without validation-loss improvement before stopping.'),
      })
      .strict()
      .prefault({}),
    space: SpaceSchema,
    constraints: z
      .object({
        maxParams: z.int().positive().optional().describe('Maximum trainable parameters.'),
        maxFlops: z.number().positive().optional().describe('Maximum floating-point operations per single inference.'),
        maxLatencyMs: z.number().positive().optional().describe('Maximum measured single-example inference latency.'),
      })
      .strict()
      .prefault({}),
    strategy: StrategySchema,
    pruner: PrunerSchema,
    warmStart: z
      .object({ from: z.array(z.string().min(1)).min(1).max(20).describe('Ids of earlier searches over the same space.') })
      .strict()
      .optional()
      .describe('Seed the strategy with the trials of earlier searches.'),
    compute: ComputeSchema,
    budget: z
      .object({
        maxTrials: z.int().min(1).max(100000),
        maxParallel: z.int().min(1).max(40).default(2).describe('Trials trained at once (capped by local cores).'),
        maxMinutes: z.number().positive().optional().describe('Stop proposing trials after this much time.'),
        maxCostUsd: z
          .number()
          .positive()
          .optional()
          .describe('Stop proposing trials once the estimated cloud cost of the trials run reaches this (USD).'),
      })
      .strict(),
    seed: z.int().min(0).max(2147483647).default(0),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const objectives = Array.isArray(spec.objective) ? spec.objective : spec.objective ? [spec.objective] : [];
    const allowed: readonly string[] = spec.task === 'classification' ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
    const at = (i: number, field: string) => (Array.isArray(spec.objective) ? ['objective', i, field] : ['objective', field]);
    objectives.forEach(({ metric, direction }, i) => {
      if (!isSizeMetric(metric) && !allowed.includes(metric)) {
        ctx.addIssue({ code: 'custom', path: at(i, 'metric'), message: `${metric} is not a ${spec.task} metric; expected one of ${[...allowed, ...SIZE_METRICS].join(', ')}` });
      } else if (i === 0 && isSizeMetric(metric)) {
        ctx.addIssue({ code: 'custom', path: at(i, 'metric'), message: `the first objective must measure quality (${allowed.join(', ')}); list ${metric} after it` });
      }
      if (direction && direction !== metricDirection(metric)) {
        ctx.addIssue({
          code: 'custom',
          path: at(i, 'direction'),
          message: `${metric} is better when it is ${metricDirection(metric) === 'maximize' ? 'higher' : 'lower'}; use ${metricDirection(metric)} or leave direction out`,
        });
      }
    });
    const strategy = typeof spec.strategy === 'string' ? spec.strategy : spec.strategy.name;
    if (objectives.length > 1 && !MULTI_OBJECTIVE_STRATEGIES.includes(strategy) && strategy !== 'auto') {
      ctx.addIssue({ code: 'custom', path: ['strategy'], message: `${strategy} optimizes one objective; with several use ${MULTI_OBJECTIVE_STRATEGIES.join(', ')} (or auto)` });
    }
    if (strategy === 'nsga2' && objectives.length < 2) {
      ctx.addIssue({ code: 'custom', path: ['objective'], message: 'nsga2 needs at least two objectives, e.g. [{metric: accuracy}, {metric: latency_ms}]' });
    }
    const epochs = (spec.space as SpaceSpec).epochs;
    if (MULTI_FIDELITY_STRATEGIES.includes(strategy) && epochs !== undefined && typeof epochs !== 'number') {
      ctx.addIssue({ code: 'custom', path: ['space', 'epochs'], message: `${strategy} schedules epochs itself; give space.epochs as one number, the most any trial trains` });
    }
    const { dataset } = spec;
    if (dataset.kind === 'image' && !dataset.shape) {
      ctx.addIssue({ code: 'custom', path: ['dataset', 'shape'], message: 'image datasets need shape: [height, width, channels]' });
    }
    if (dataset.kind !== 'image' && dataset.shape) {
      ctx.addIssue({ code: 'custom', path: ['dataset', 'shape'], message: 'shape applies only to kind: image' });
    }
    if (dataset.kind === 'sequence' && !dataset.window) {
      ctx.addIssue({ code: 'custom', path: ['dataset', 'window'], message: 'sequence datasets need window: the number of past rows per example' });
    }
    if (dataset.kind !== 'sequence' && (dataset.window || dataset.orderBy)) {
      ctx.addIssue({ code: 'custom', path: ['dataset', dataset.window ? 'window' : 'orderBy'], message: 'window and orderBy apply only to kind: sequence' });
    }
    if (dataset.features?.includes(dataset.target)) {
      ctx.addIssue({ code: 'custom', path: ['dataset', 'features'], message: `the target ${dataset.target} cannot also be a feature` });
    }
    const families = specFamilies(spec.space);
    const fitting: readonly Family[] = FAMILIES_BY_DATA_KIND[dataset.kind];
    families.forEach((family, i) => {
      if (!fitting.includes(family)) {
        ctx.addIssue({
          code: 'custom',
          path: Array.isArray(spec.space.family) ? ['space', 'family', i] : ['space', 'family'],
          message: `${family} does not fit ${dataset.kind} data; use ${fitting.join(', ')}`,
        });
      }
    });
    const space = spec.space as SpaceSpec;
    for (const family of FAMILIES) {
      if (space[family] !== undefined && !families.includes(family)) {
        ctx.addIssue({
          code: 'custom',
          path: ['space', family],
          message: `hyperparameters for ${family} are given but family does not include ${family}`,
        });
      }
    }
  });

/** The `space` block: family choice, common domains, and one optional block per family. */
export type SpaceSpec = { family: Family | Family[] } & Partial<Record<CommonParameter, Domain>> & {
  [F in Family]?: Partial<Record<FamilyParameter<F>, Domain>>;
};

/** A search spec as written (before defaults). */
export type SearchSpecInput = z.input<typeof SearchSpecSchema>;
/** A validated search spec with every default filled in. */
export type SearchSpec = Omit<z.output<typeof SearchSpecSchema>, 'space'> & { space: SpaceSpec };
export type DatasetSpec = SearchSpec['dataset'];

/** The families a space names, in order, without duplicates. */
export function specFamilies(space: Pick<SpaceSpec, 'family'>): Family[] {
  const list = Array.isArray(space.family) ? space.family : [space.family];
  return [...new Set(list as Family[])];
}

/** An objective with its direction resolved. */
export interface ResolvedObjective {
  readonly metric: ObjectiveMetric;
  readonly direction: Direction;
}

/** Every objective, primary first, with directions resolved. */
export function specObjectives(spec: SearchSpec): ResolvedObjective[] {
  const given = Array.isArray(spec.objective) ? spec.objective : spec.objective ? [spec.objective] : [];
  const list = given.length ? given : [{ metric: spec.task === 'classification' ? ('accuracy' as const) : ('r2' as const) }];
  return list.map((o) => ({ metric: o.metric, direction: o.direction ?? metricDirection(o.metric) }));
}

/** The primary objective. */
export function specObjective(spec: SearchSpec): ResolvedObjective {
  return specObjectives(spec)[0] as ResolvedObjective;
}

/** The strategy's name and options, whichever way the spec wrote it. */
export function specStrategy(spec: SearchSpec): { name: StrategyName; [option: string]: unknown } {
  const s = spec.strategy;
  return typeof s === 'string' ? { name: s } : { ...s };
}

/** The pruner's settings, or null for none. */
export function specPruner(spec: SearchSpec): { name: 'median'; warmupEpochs: number; minTrials: number } | null {
  const p = spec.pruner;
  if (p === 'none') return null;
  if (p === 'median') return { name: 'median', warmupEpochs: 5, minTrials: 5 };
  return p;
}

/** Default size above which `compute: auto` sends a trial to a GPU container. */
export const GPU_THRESHOLDS = { flops: 5.0e7, params: 2_000_000 } as const;

/** The compute settings with defaults resolved. */
export function specCompute(spec: SearchSpec): { target: 'auto' | 'lambda' | 'gpu'; gpuAboveFlops: number; gpuAboveParams: number } {
  const c = spec.compute;
  if (typeof c === 'string') return { target: c, gpuAboveFlops: GPU_THRESHOLDS.flops, gpuAboveParams: GPU_THRESHOLDS.params };
  return {
    target: c.target,
    gpuAboveFlops: c.gpuAboveFlops ?? GPU_THRESHOLDS.flops,
    gpuAboveParams: c.gpuAboveParams ?? GPU_THRESHOLDS.params,
  };
}

/** Where a candidate of the given size trains: a GPU container when it is heavy (or forced). */
export function computeTargetFor(spec: SearchSpec, cost: { params: number; flops: number }): 'lambda' | 'gpu' {
  const { target, gpuAboveFlops, gpuAboveParams } = specCompute(spec);
  if (target !== 'auto') return target;
  return cost.flops > gpuAboveFlops || cost.params > gpuAboveParams ? 'gpu' : 'lambda';
}
