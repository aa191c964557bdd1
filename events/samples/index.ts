/**
 * Sample events for tests and local invocations: one EventBridge event per domain event,
 * S3 uploads delivered by EventBridge, and HTTP API requests. `loadSample` reads a file next
 * to this module, checks it against its schema and returns a fresh, typed copy.
 */
import { readFileSync } from 'node:fs';
import type { ZodType } from 'zod';
import type { SearchEventType } from '../../src/ports/event-bus.js';
import {
  EVENT_ENVELOPE_SCHEMAS,
  ExecutionStatusChangeEventSchema,
  HttpApiRequestSchema,
  S3ObjectCreatedEventSchema,
  SEARCH_EVENT_TYPES,
  type ExecutionStatusChangeEvent,
  type HttpApiRequest,
  type S3ObjectCreatedEvent,
  type SearchEventEnvelope,
} from '../schemas.js';

/** S3 samples: a spec upload the starter acts on, and an object outside `specs/` it ignores. */
export const S3_SAMPLE_NAMES = ['s3-spec-uploaded', 's3-other-object'] as const;

/** HTTP API samples, one per route, plus the two bad start requests. */
export const API_SAMPLE_NAMES = [
  'api-start-search',
  'api-start-search-invalid',
  'api-start-search-malformed',
  'api-list-searches',
  'api-get-search',
  'api-cancel-search',
  'api-list-models',
  'api-list-versions',
  'api-promote-version',
  'api-rollback-model',
  'api-predict',
] as const;

/** Step Functions samples: a search execution that ended badly. */
export const SFN_SAMPLE_NAMES = ['sfn-execution-failed'] as const;

/** Domain event samples are named after their event type. */
export const DOMAIN_SAMPLE_NAMES: readonly SearchEventType[] = SEARCH_EVENT_TYPES;

/** The name of an S3 sample. */
export type S3SampleName = (typeof S3_SAMPLE_NAMES)[number];
/** The name of a Step Functions sample. */
export type SfnSampleName = (typeof SFN_SAMPLE_NAMES)[number];
/** The name of an HTTP API sample. */
export type ApiSampleName = (typeof API_SAMPLE_NAMES)[number];
/** The name of any sample: its file name without `.json`. */
export type SampleName = SearchEventType | S3SampleName | SfnSampleName | ApiSampleName;

/** What a sample holds, by name. */
export type Sample<N extends SampleName> = N extends SearchEventType
  ? SearchEventEnvelope<N>
  : N extends S3SampleName
    ? S3ObjectCreatedEvent
    : N extends SfnSampleName
      ? ExecutionStatusChangeEvent
      : HttpApiRequest;

/** Every sample name. */
export const SAMPLE_NAMES: readonly SampleName[] = [...DOMAIN_SAMPLE_NAMES, ...S3_SAMPLE_NAMES, ...SFN_SAMPLE_NAMES, ...API_SAMPLE_NAMES];

/** The sample's JSON exactly as stored, unchecked (for tests that break it on purpose). */
export function readSample(name: SampleName): unknown {
  return JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8'));
}

/** A sample, checked against its schema; every call returns a new copy. */
export function loadSample<N extends SampleName>(name: N): Sample<N> {
  const raw = readSample(name);
  const schema: ZodType = (DOMAIN_SAMPLE_NAMES as readonly string[]).includes(name)
    ? EVENT_ENVELOPE_SCHEMAS[name as SearchEventType]
    : (S3_SAMPLE_NAMES as readonly string[]).includes(name)
      ? S3ObjectCreatedEventSchema
      : (SFN_SAMPLE_NAMES as readonly string[]).includes(name)
        ? ExecutionStatusChangeEventSchema
        : HttpApiRequestSchema;
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`sample ${name} does not match its schema: ${result.error.message}`);
  return result.data as Sample<N>;
}
