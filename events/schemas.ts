/**
 * The event contract of modelsmith: zod schemas for every event that crosses the system —
 * the domain events a search publishes to EventBridge, and the inbound events handlers
 * receive (S3 "Object Created" via EventBridge, API Gateway HTTP API requests).
 */
import { z } from 'zod';
import { METRIC_NAMES } from '../src/core/metrics/names.js';
import type { SearchEvent, SearchEventType } from '../src/ports/event-bus.js';

/** The EventBridge `source` of every modelsmith domain event. */
export const EVENT_SOURCE = 'modelsmith';

// ---------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------

const AccountSchema = z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id');

const SearchIdSchema = z
  .string()
  .min(1)
  .describe('The search: model name, UTC start and a random suffix, e.g. iris-20261203-101500-a1b2c3.');

const TrialNumberSchema = z.int().min(0).describe('Trial number within the search, counted from 0.');

const ModelNameSchema = z.string().min(1).describe('Model name from the spec; versions are numbered under it.');

const ErrorInfoSchema = z
  .strictObject({
    name: z.string().min(1).describe('Stable error name, e.g. NonFiniteLossError or States.Timeout.'),
    message: z.string().describe('What went wrong, for people.'),
  })
  .describe('An error as `{ name, message }`.');

const MetricsSchema = z
  .partialRecord(z.enum(METRIC_NAMES), z.number())
  .describe('Metric name to value; a metric that could not be computed is absent.');

// ---------------------------------------------------------------------------------------
// Domain events: the EventBridge `detail` of each, `{ searchId, ...event.detail }`
// ---------------------------------------------------------------------------------------

/** The `detail` of a SearchStarted event. */
export const SearchStartedDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  name: ModelNameSchema,
  maxTrials: z.int().min(1).describe('Trial budget.'),
  maxParallel: z.int().min(1).describe('Trials trained at once.'),
  strategy: z.string().min(1).describe('Search strategy name, e.g. random or grid.'),
  objective: z.string().min(1).describe('Direction and metric, e.g. "maximize accuracy".'),
});

/** The `detail` of a TrialStarted event. */
export const TrialStartedDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  trial: TrialNumberSchema,
  attempt: z.int().min(1).describe('How many times this trial has been started, this one included.'),
});

/** The `detail` of a TrialCompleted event. */
export const TrialCompletedDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  trial: TrialNumberSchema,
  value: z.number().describe("The objective's cross-validation mean."),
  metrics: MetricsSchema,
  durationMs: z.number().min(0).describe('Wall time of the trial.'),
});

/** The `detail` of a TrialFailed event. */
export const TrialFailedDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  trial: TrialNumberSchema,
  error: ErrorInfoSchema,
});

/** The `detail` of a TrialInfeasible event. */
export const TrialInfeasibleDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  trial: TrialNumberSchema,
  reason: z.string().describe('Which constraint the candidate broke, for people.'),
});

/** The `detail` of a SearchSucceeded event. */
export const SearchSucceededDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  name: ModelNameSchema,
  bestTrial: TrialNumberSchema,
  value: z.number().describe("The best trial's objective value."),
  testMetrics: MetricsSchema.describe('The final model scored once on the held-out test split.'),
  version: z.int().min(1).describe('The model version registered for this search.'),
});

/** The `detail` of a SearchFailed event. */
export const SearchFailedDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  error: ErrorInfoSchema,
});

/** The `detail` of a ModelVersionRegistered event. */
export const ModelVersionRegisteredDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  name: ModelNameSchema,
  version: z.int().min(1),
  artifactPrefix: z.string().min(1).describe('Key prefix of the version artifacts, e.g. models/iris/versions/3/.'),
});

/** The `detail` of a ModelStageChanged event. */
export const ModelStageChangedDetailSchema = z.strictObject({
  searchId: SearchIdSchema.describe('The search that produced the version.'),
  name: ModelNameSchema,
  version: z.int().min(1).describe('The version that now holds `stage`.'),
  stage: z.enum(['none', 'staging', 'production']),
  previous: z.int().min(1).optional().describe('The version that held the stage before, if any.'),
  reason: z.enum(['promote', 'rollback']),
});

/** The `detail` schema of each domain event, by type; `satisfies` keeps each schema's own type. */
/** The `detail` of a TrialPruned event. */
export const TrialPrunedDetailSchema = z.strictObject({
  searchId: SearchIdSchema,
  trial: TrialNumberSchema,
  reason: z.string().describe('Why the pruner stopped the trial early, for people.'),
});

export const EVENT_DETAIL_SCHEMAS = {
  SearchStarted: SearchStartedDetailSchema,
  TrialStarted: TrialStartedDetailSchema,
  TrialCompleted: TrialCompletedDetailSchema,
  TrialFailed: TrialFailedDetailSchema,
  TrialInfeasible: TrialInfeasibleDetailSchema,
  TrialPruned: TrialPrunedDetailSchema,
  SearchSucceeded: SearchSucceededDetailSchema,
  SearchFailed: SearchFailedDetailSchema,
  ModelVersionRegistered: ModelVersionRegisteredDetailSchema,
  ModelStageChanged: ModelStageChangedDetailSchema,
} as const satisfies Record<SearchEventType, z.ZodType>;

/** Every domain event type, in the order of {@link EVENT_DETAIL_SCHEMAS}. */
export const SEARCH_EVENT_TYPES = Object.keys(EVENT_DETAIL_SCHEMAS) as SearchEventType[];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The EventBridge `detail` of a domain event as the port defines it: `{ searchId, ...event.detail }`. */
export type SearchEventDetail<T extends SearchEventType = SearchEventType> = T extends SearchEventType
  ? Simplify<{ searchId: string } & Extract<SearchEvent, { type: T }>['detail']>
  : never;

/** The EventBridge envelope around a domain event's detail. */
function envelopeSchema<T extends SearchEventType, D extends z.ZodType>(type: T, detail: D) {
  return z
    .looseObject({
      version: z.string().describe('EventBridge envelope version ("0").'),
      id: z.string().min(1).describe('Unique id EventBridge gives the event.'),
      'detail-type': z.literal(type),
      source: z.literal(EVENT_SOURCE),
      account: AccountSchema,
      time: z.iso.datetime().describe('When the event happened (EventBridge keeps whole seconds).'),
      region: z.string().min(1),
      resources: z.array(z.string()),
      detail,
    })
    .meta({ title: `modelsmith ${type} event`, description: `An EventBridge event with source "${EVENT_SOURCE}" and detail-type "${type}".` });
}

/** The full EventBridge event (envelope and detail) of each domain event, by type. */
export const EVENT_ENVELOPE_SCHEMAS = {
  SearchStarted: envelopeSchema('SearchStarted', SearchStartedDetailSchema),
  TrialStarted: envelopeSchema('TrialStarted', TrialStartedDetailSchema),
  TrialCompleted: envelopeSchema('TrialCompleted', TrialCompletedDetailSchema),
  TrialFailed: envelopeSchema('TrialFailed', TrialFailedDetailSchema),
  TrialInfeasible: envelopeSchema('TrialInfeasible', TrialInfeasibleDetailSchema),
  TrialPruned: envelopeSchema('TrialPruned', TrialPrunedDetailSchema),
  SearchSucceeded: envelopeSchema('SearchSucceeded', SearchSucceededDetailSchema),
  SearchFailed: envelopeSchema('SearchFailed', SearchFailedDetailSchema),
  ModelVersionRegistered: envelopeSchema('ModelVersionRegistered', ModelVersionRegisteredDetailSchema),
  ModelStageChanged: envelopeSchema('ModelStageChanged', ModelStageChangedDetailSchema),
} as const satisfies Record<SearchEventType, z.ZodType>;

/** Any domain event as EventBridge delivers it, told apart by `detail-type`. */
export const SearchEventEnvelopeSchema = z.discriminatedUnion('detail-type', [
  EVENT_ENVELOPE_SCHEMAS.SearchStarted,
  EVENT_ENVELOPE_SCHEMAS.TrialStarted,
  EVENT_ENVELOPE_SCHEMAS.TrialCompleted,
  EVENT_ENVELOPE_SCHEMAS.TrialFailed,
  EVENT_ENVELOPE_SCHEMAS.TrialInfeasible,
  EVENT_ENVELOPE_SCHEMAS.TrialPruned,
  EVENT_ENVELOPE_SCHEMAS.SearchSucceeded,
  EVENT_ENVELOPE_SCHEMAS.SearchFailed,
  EVENT_ENVELOPE_SCHEMAS.ModelVersionRegistered,
  EVENT_ENVELOPE_SCHEMAS.ModelStageChanged,
]);

/** A domain event as EventBridge delivers it; `T` narrows it to one type. */
export type SearchEventEnvelope<T extends SearchEventType = SearchEventType> = z.output<(typeof EVENT_ENVELOPE_SCHEMAS)[T]>;

/** The EventBridge `detail` of a port event: its searchId next to its own detail fields. */
export function eventBridgeDetail<E extends SearchEvent>(event: E): SearchEventDetail<E['type']> {
  return { searchId: event.searchId, ...event.detail } as SearchEventDetail<E['type']>;
}

/** Validate an EventBridge event and turn it back into the port's {@link SearchEvent}. */
export function searchEventFromEnvelope(value: unknown): SearchEvent {
  const envelope = SearchEventEnvelopeSchema.parse(value);
  const { searchId, ...detail } = envelope.detail;
  // The schemas' outputs equal the port's detail types (test/events checks it at compile
  // time); TypeScript cannot correlate the destructured union members on its own.
  return { type: envelope['detail-type'], searchId, time: envelope.time, detail } as SearchEvent;
}

// ---------------------------------------------------------------------------------------
// Inbound: S3 "Object Created" delivered by EventBridge
// ---------------------------------------------------------------------------------------

/** The operations S3 names as the `reason` of an Object Created event. */
export const S3_OBJECT_CREATED_REASONS = ['PutObject', 'POST Object', 'CopyObject', 'CompleteMultipartUpload'] as const;

/**
 * An S3 "Object Created" event as EventBridge delivers it (the bucket must have EventBridge
 * notifications on). Objects are loose: S3 adds fields over time and handlers ignore them.
 */
export const S3ObjectCreatedEventSchema = z
  .looseObject({
    version: z.string(),
    id: z.string().min(1),
    'detail-type': z.literal('Object Created'),
    source: z.literal('aws.s3'),
    account: AccountSchema.describe('The bucket owner.'),
    time: z.iso.datetime(),
    region: z.string().min(1),
    resources: z.array(z.string()).describe('The bucket ARN.'),
    detail: z.looseObject({
      version: z.string(),
      bucket: z.looseObject({ name: z.string().min(1) }),
      object: z.looseObject({
        key: z.string().min(1),
        size: z.int().min(0),
        etag: z.string(),
        sequencer: z.string(),
        'version-id': z.string().optional().describe('Present when the bucket is versioned.'),
      }),
      'request-id': z.string(),
      requester: z.string().describe('Account id or service principal that made the request.'),
      'source-ip-address': z.string(),
      reason: z.enum(S3_OBJECT_CREATED_REASONS),
    }),
  })
  .meta({ title: 'S3 Object Created (via EventBridge)', description: 'An object was written to a bucket with EventBridge notifications on.' });

/** An S3 "Object Created" event as delivered by EventBridge. */
export type S3ObjectCreatedEvent = z.output<typeof S3ObjectCreatedEventSchema>;

// ---------------------------------------------------------------------------------------
// Inbound: Step Functions "Execution Status Change" for an execution that ended badly
// ---------------------------------------------------------------------------------------

/** The end states that mean a search execution did not finish normally. */
export const ABNORMAL_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/**
 * Step Functions' status-change event, as EventBridge delivers it, for executions that
 * failed, timed out or were stopped. The execution `name` is the search id.
 */
export const ExecutionStatusChangeEventSchema = z
  .looseObject({
    version: z.string(),
    id: z.string().min(1),
    'detail-type': z.literal('Step Functions Execution Status Change'),
    source: z.literal('aws.states'),
    account: AccountSchema,
    time: z.iso.datetime(),
    region: z.string().min(1),
    resources: z.array(z.string()).describe('The execution ARN.'),
    detail: z.looseObject({
      executionArn: z.string().min(1),
      stateMachineArn: z.string().min(1),
      name: z.string().min(1).describe('The execution name: the search id.'),
      status: z.enum(ABNORMAL_EXECUTION_STATUSES),
      startDate: z.number().nullish(),
      stopDate: z.number().nullish(),
      error: z.string().nullish(),
      cause: z.string().nullish(),
    }),
  })
  .meta({ title: 'Step Functions Execution Status Change', description: 'A search execution failed, timed out or was stopped.' });

/** A Step Functions status-change event for an execution that ended badly. */
export type ExecutionStatusChangeEvent = z.output<typeof ExecutionStatusChangeEventSchema>;

// ---------------------------------------------------------------------------------------
// Inbound: API Gateway HTTP API request, payload format 2.0
// ---------------------------------------------------------------------------------------

/** The routes of the modelsmith HTTP API, as API Gateway route keys. */
export const API_ROUTE_KEYS = [
  'POST /searches',
  'GET /searches',
  'GET /searches/{searchId}',
  'POST /searches/{searchId}/cancel',
  'GET /models',
  'GET /models/{name}/versions',
  'POST /models/{name}/versions/{version}/stage',
  'POST /models/{name}/rollback',
  'POST /models/{name}/predict',
] as const;

/** One route key of the modelsmith HTTP API. */
export type ApiRouteKey = (typeof API_ROUTE_KEYS)[number];

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

const StringMapSchema = z.record(z.string(), z.string());

/** A path starting with a slash (a regex: `startsWith` renders as a nonstandard JSON Schema format). */
const PathSchema = z.string().regex(/^\//, 'expected a path starting with /');

/** The caller API Gateway authenticated with IAM (SigV4). */
const IamAuthorizerSchema = z.looseObject({
  accessKey: z.string(),
  accountId: AccountSchema,
  callerId: z.string(),
  userArn: z.string().describe('The IAM principal that signed the request.'),
  userId: z.string(),
  principalOrgId: z.string().nullable().optional(),
  cognitoIdentity: z
    .looseObject({ amr: z.array(z.string()), identityId: z.string(), identityPoolId: z.string() })
    .nullable()
    .optional(),
});

/**
 * An API Gateway HTTP API request in payload format 2.0: the fields handlers use. API
 * Gateway leaves out `pathParameters`, `queryStringParameters` and `body` when there are
 * none; header names arrive lowercased. Other fields pass through untouched.
 */
export const HttpApiRequestSchema = z
  .looseObject({
    version: z.literal('2.0'),
    routeKey: z.string().min(1).describe('The matched route, e.g. "GET /searches/{searchId}".'),
    rawPath: PathSchema,
    headers: StringMapSchema.describe('Lowercased names; repeated headers are joined with commas.'),
    pathParameters: StringMapSchema.optional(),
    queryStringParameters: StringMapSchema.optional().describe('Repeated parameters are joined with commas.'),
    body: z.string().optional().describe('Base64 when isBase64Encoded is true.'),
    isBase64Encoded: z.boolean(),
    requestContext: z.looseObject({
      http: z.looseObject({ method: z.enum(HTTP_METHODS), path: PathSchema }),
      requestId: z.string().min(1),
      authorizer: z.looseObject({ iam: IamAuthorizerSchema.optional() }).optional(),
    }),
  })
  .meta({ title: 'API Gateway HTTP API request (payload format 2.0)', description: 'A request to the modelsmith HTTP API as its Lambda integration receives it.' });

/** An API Gateway HTTP API request (payload format 2.0). */
export type HttpApiRequest = z.output<typeof HttpApiRequestSchema>;
