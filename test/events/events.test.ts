/**
 * The event contract: schemas agree with the event port (checked by the compiler), every
 * sample fits its schema, bad events are rejected, and the published JSON Schemas are current.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { eventSchemaFiles } from '../../events/json-schemas.js';
import {
  API_SAMPLE_NAMES,
  DOMAIN_SAMPLE_NAMES,
  S3_SAMPLE_NAMES,
  SAMPLE_NAMES,
  loadSample,
  readSample,
} from '../../events/samples/index.js';
import {
  API_ROUTE_KEYS,
  EVENT_DETAIL_SCHEMAS,
  EVENT_ENVELOPE_SCHEMAS,
  EVENT_SOURCE,
  HttpApiRequestSchema,
  S3ObjectCreatedEventSchema,
  SEARCH_EVENT_TYPES,
  SearchEventEnvelopeSchema,
  eventBridgeDetail,
  searchEventFromEnvelope,
  type SearchEventDetail,
} from '../../events/schemas.js';
import { fromEventBridge, toEntry } from '../../src/adapters/eventbridge/event-bus.js';
import { SpecError } from '../../src/core/errors.js';
import { parseSpec } from '../../src/core/spec/parse.js';
import type { SearchEvent, SearchEventType } from '../../src/ports/event-bus.js';
import { PROJECT_ROOT } from '../helpers.js';

const SAMPLES_DIR = join(PROJECT_ROOT, 'events', 'samples');
const SCHEMAS_DIR = join(PROJECT_ROOT, 'events', 'schemas');
const BUCKET = 'modelsmith-artifacts-123456789012-us-east-1';

type SchemaDetail<K extends SearchEventType> = z.output<(typeof EVENT_DETAIL_SCHEMAS)[K]>;
type SchemaDetailInput<K extends SearchEventType> = z.input<(typeof EVENT_DETAIL_SCHEMAS)[K]>;

/** A deep copy of a sample as plain JSON, to break on purpose. */
function mutable(name: Parameters<typeof readSample>[0]): Record<string, any> {
  return readSample(name) as Record<string, any>;
}

/** The body of an HTTP API sample, parsed as JSON. */
function jsonBody(name: (typeof API_SAMPLE_NAMES)[number]): unknown {
  const request = loadSample(name);
  expect(request.isBase64Encoded).toBe(false);
  return JSON.parse(request.body ?? '');
}

describe('domain event schemas and the event port', () => {
  it('agree at compile time (this file fails to type-check when they drift)', () => {
    // Each detail schema parses to exactly `{ searchId } & event.detail`, and accepts exactly that.
    expectTypeOf<{ [K in SearchEventType]: SchemaDetail<K> }>().toEqualTypeOf<{ [K in SearchEventType]: SearchEventDetail<K> }>();
    expectTypeOf<{ [K in SearchEventType]: SchemaDetailInput<K> }>().toEqualTypeOf<{ [K in SearchEventType]: SearchEventDetail<K> }>();
    // Rebuilding the port's union from the schemas gives the port's union back.
    type FromSchemas = {
      [K in SearchEventType]: {
        readonly type: K;
        readonly searchId: string;
        readonly time: string;
        readonly detail: Omit<SchemaDetail<K>, 'searchId'>;
      };
    }[SearchEventType];
    expectTypeOf<FromSchemas>().toEqualTypeOf<SearchEvent>();
    // The envelope union covers every event type and nothing else.
    expectTypeOf<z.output<typeof SearchEventEnvelopeSchema>['detail-type']>().toEqualTypeOf<SearchEventType>();
    expectTypeOf(searchEventFromEnvelope).returns.toEqualTypeOf<SearchEvent>();
  });

  it('has one detail schema and one envelope schema per event type', () => {
    expect(Object.keys(EVENT_DETAIL_SCHEMAS).sort()).toEqual([...SEARCH_EVENT_TYPES].sort());
    expect(Object.keys(EVENT_ENVELOPE_SCHEMAS).sort()).toEqual([...SEARCH_EVENT_TYPES].sort());
    expect(EVENT_SOURCE).toBe('modelsmith');
  });
});

describe('domain event samples', () => {
  it('exist for every event type and nothing else lies in the samples folder', () => {
    const files = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect(files.sort()).toEqual([...SAMPLE_NAMES].sort());
    expect([...DOMAIN_SAMPLE_NAMES].sort()).toEqual([...SEARCH_EVENT_TYPES].sort());
  });

  it.each(SEARCH_EVENT_TYPES)('%s validates and its detail round-trips through the port type', (type) => {
    const sample = loadSample(type);
    expect(sample.source).toBe(EVENT_SOURCE);
    expect(sample['detail-type']).toBe(type);
    expect(sample.account).toBe('123456789012');
    expect(sample.region).toBe('us-east-1');
    expect(sample.detail.searchId).toBe('iris-20261203-101500-a1b2c3');
    expect(EVENT_DETAIL_SCHEMAS[type].safeParse(sample.detail).success).toBe(true);
    expect(SearchEventEnvelopeSchema.parse(sample)).toEqual(sample);

    const event: SearchEvent = searchEventFromEnvelope(sample);
    expect(event.type).toBe(type);
    expect(event.searchId).toBe(sample.detail.searchId);
    expect(event.time).toBe(sample.time);
    expect(event.detail).not.toHaveProperty('searchId');
    expect(eventBridgeDetail(event)).toEqual(sample.detail);
    expect(searchEventFromEnvelope({ ...sample, detail: eventBridgeDetail(event) })).toEqual(event);
  });

  it('builds the detail of a port event the way the schemas expect', () => {
    const event: SearchEvent = {
      type: 'TrialCompleted',
      searchId: 'iris-20261203-101500-a1b2c3',
      time: '2026-12-03T10:15:41.204Z',
      detail: { trial: 2, value: 0.95, metrics: { accuracy: 0.95, log_loss: 0.2 }, durationMs: 12034 },
    };
    const detail = eventBridgeDetail(event);
    expectTypeOf(detail).toEqualTypeOf<SearchEventDetail<'TrialCompleted'>>();
    expect(EVENT_DETAIL_SCHEMAS.TrialCompleted.parse(detail)).toEqual({ searchId: event.searchId, ...event.detail });
  });
});

describe('the EventBridge adapter and the contract', () => {
  it.each(SEARCH_EVENT_TYPES)('%s: the published entry fits the schema, and the sample reads back the same', (type) => {
    const sample = loadSample(type);
    const event = searchEventFromEnvelope(sample);
    const entry = toEntry(event, 'modelsmith-events', EVENT_SOURCE);
    expect(entry.Source).toBe(EVENT_SOURCE);
    expect(entry.DetailType).toBe(type);
    const detail: unknown = JSON.parse(entry.Detail ?? 'null');
    expect(EVENT_DETAIL_SCHEMAS[type].parse(detail)).toEqual(sample.detail);
    expect(fromEventBridge(sample['detail-type'], sample.detail, sample.time)).toEqual(event);
  });
});

describe('domain event schemas reject bad events', () => {
  it('a detail without searchId', () => {
    const sample = mutable('TrialStarted');
    delete sample.detail.searchId;
    expect(EVENT_DETAIL_SCHEMAS.TrialStarted.safeParse(sample.detail).success).toBe(false);
    expect(EVENT_ENVELOPE_SCHEMAS.TrialStarted.safeParse(sample).success).toBe(false);
    expect(() => searchEventFromEnvelope(sample)).toThrow();
  });

  it('a wrong or unknown detail-type', () => {
    const mislabeled = { ...mutable('TrialStarted'), 'detail-type': 'TrialCompleted' };
    expect(EVENT_ENVELOPE_SCHEMAS.TrialStarted.safeParse(mislabeled).success).toBe(false);
    expect(SearchEventEnvelopeSchema.safeParse(mislabeled).success).toBe(false);
    const unknown = { ...mutable('TrialStarted'), 'detail-type': 'TrialPaused' };
    expect(SearchEventEnvelopeSchema.safeParse(unknown).success).toBe(false);
  });

  it('another source', () => {
    expect(SearchEventEnvelopeSchema.safeParse({ ...mutable('SearchStarted'), source: 'aws.s3' }).success).toBe(false);
  });

  it('an unknown detail field, an unknown metric, a fractional trial, a malformed time', () => {
    const extra = mutable('SearchFailed');
    extra.detail.retryable = true;
    expect(SearchEventEnvelopeSchema.safeParse(extra).success).toBe(false);

    const metric = mutable('TrialCompleted');
    metric.detail.metrics.accurracy = 0.9;
    expect(SearchEventEnvelopeSchema.safeParse(metric).success).toBe(false);

    const trial = mutable('TrialFailed');
    trial.detail.trial = 1.5;
    expect(SearchEventEnvelopeSchema.safeParse(trial).success).toBe(false);

    const time = { ...mutable('TrialInfeasible'), time: '03/Dec/2026:10:16:30 +0000' };
    expect(SearchEventEnvelopeSchema.safeParse(time).success).toBe(false);
  });

  it('but tolerates envelope fields EventBridge may add', () => {
    expect(SearchEventEnvelopeSchema.safeParse({ ...mutable('SearchStarted'), 'replay-name': 'replay-1' }).success).toBe(true);
  });
});

describe('S3 Object Created samples', () => {
  it.each(S3_SAMPLE_NAMES)('%s validates', (name) => {
    const event = loadSample(name);
    expect(event.detail.bucket.name).toBe(BUCKET);
    expect(event.resources).toEqual([`arn:aws:s3:::${BUCKET}`]);
  });

  it('the spec upload is under specs/ and the other object is not', () => {
    expect(loadSample('s3-spec-uploaded').detail.object.key).toBe('specs/iris.yaml');
    const other = loadSample('s3-other-object').detail.object.key;
    expect(other).toBe('datasets/iris.csv');
    expect(other.startsWith('specs/')).toBe(false);
  });

  it('rejects other S3 events and other sources, tolerates new S3 fields', () => {
    const deleted = { ...mutable('s3-spec-uploaded'), 'detail-type': 'Object Deleted' };
    expect(S3ObjectCreatedEventSchema.safeParse(deleted).success).toBe(false);
    expect(S3ObjectCreatedEventSchema.safeParse({ ...mutable('s3-spec-uploaded'), source: 'modelsmith' }).success).toBe(false);
    const keyless = mutable('s3-spec-uploaded');
    delete keyless.detail.object.key;
    expect(S3ObjectCreatedEventSchema.safeParse(keyless).success).toBe(false);
    const newer = mutable('s3-spec-uploaded');
    newer.detail['event-version'] = '1.0';
    expect(S3ObjectCreatedEventSchema.parse(newer).detail['event-version']).toBe('1.0');
  });
});

describe('HTTP API samples', () => {
  /** The path parameters a route template captures from a path, or null when it does not match. */
  function matchRoute(template: string, path: string): Record<string, string> | null {
    const pattern = template.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
    const match = new RegExp(`^${pattern}$`).exec(path);
    return match ? { ...match.groups } : null;
  }

  it.each(API_SAMPLE_NAMES)('%s validates, is IAM-authorized and matches its route', (name) => {
    const request = loadSample(name);
    expect(API_ROUTE_KEYS).toContain(request.routeKey);
    const [method, template] = request.routeKey.split(' ') as [string, string];
    expect(request.requestContext.http.method).toBe(method);
    expect(request.requestContext.http.path).toBe(request.rawPath);
    expect(request.requestContext['routeKey']).toBe(request.routeKey);
    const captured = matchRoute(template, request.rawPath);
    expect(captured).not.toBeNull();
    expect(request.pathParameters ?? {}).toEqual(captured);
    expect(request.requestContext.authorizer?.iam?.accountId).toBe('123456789012');
    expect(request.requestContext.authorizer?.iam?.userArn).toMatch(/^arn:aws:(iam|sts)::123456789012:/);
  });

  it('cover every route', () => {
    const routes = new Set(API_SAMPLE_NAMES.map((name) => loadSample(name).routeKey));
    expect([...routes].sort()).toEqual([...API_ROUTE_KEYS].sort());
  });

  it('list searches with a limit', () => {
    expect(loadSample('api-list-searches').queryStringParameters).toEqual({ limit: '10' });
  });

  it('reject other payload versions and requests without a method', () => {
    expect(HttpApiRequestSchema.safeParse({ ...mutable('api-list-models'), version: '1.0' }).success).toBe(false);
    const methodless = mutable('api-list-models');
    delete methodless.requestContext.http.method;
    expect(HttpApiRequestSchema.safeParse(methodless).success).toBe(false);
  });
});

describe('search specs in the start-search samples', () => {
  it('the valid one passes parseSpec, with its dataset under datasets/', () => {
    const body = jsonBody('api-start-search') as { spec: unknown };
    const spec = parseSpec(body.spec, 'api-start-search');
    expect(spec.name).toBe('iris');
    expect(spec.dataset.uri).toBe('datasets/iris.csv');
  });

  it('the invalid one fails parseSpec for an unknown field and a wrong type', () => {
    const body = jsonBody('api-start-search-invalid') as { spec: unknown };
    let error: unknown;
    try {
      parseSpec(body.spec, 'api-start-search-invalid');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    const issues = (error as SpecError).issues;
    expect(issues).toContainEqual(expect.objectContaining({ path: 'seeds', message: expect.stringMatching(/^unknown field/) }));
    expect(issues.map((i) => i.path)).toContain('budget.maxTrials');
  });

  it('the malformed one is not JSON', () => {
    const body = loadSample('api-start-search-malformed').body ?? '';
    expect(body.length).toBeGreaterThan(0);
    expect(() => JSON.parse(body)).toThrow(SyntaxError);
  });
});

describe('published JSON Schemas', () => {
  it('are up to date (run `npx tsx scripts/write-event-schemas.ts`)', () => {
    const expected = eventSchemaFiles();
    const onDisk = readdirSync(SCHEMAS_DIR, { recursive: true, encoding: 'utf8' })
      .map((entry) => entry.split(sep).join('/'))
      .filter((path) => path.endsWith('.schema.json'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [path, text] of expected) {
      expect(readFileSync(join(SCHEMAS_DIR, path), 'utf8'), `events/schemas/${path} is stale`).toBe(text);
    }
  });

  it('name each domain event and its source', () => {
    for (const type of SEARCH_EVENT_TYPES) {
      const schema = JSON.parse(eventSchemaFiles().get(`${type}.schema.json`) ?? '{}');
      expect(schema.properties['detail-type'].const).toBe(type);
      expect(schema.properties.source.const).toBe(EVENT_SOURCE);
      expect(schema.properties.detail.required).toContain('searchId');
      expect(schema.properties.detail.additionalProperties).toBe(false);
    }
  });
});
