/**
 * The JSON Schema files published under events/schemas/, generated from the zod schemas in
 * ./schemas.ts so the two never disagree. `scripts/write-event-schemas.ts` writes them; a
 * test fails when the files on disk are stale.
 */
import { z } from 'zod';
import {
  EVENT_ENVELOPE_SCHEMAS,
  ExecutionStatusChangeEventSchema,
  HttpApiRequestSchema,
  S3ObjectCreatedEventSchema,
  SEARCH_EVENT_TYPES,
} from './schemas.js';

/** The JSON Schema (draft 2020-12) of one zod schema, as a plain object. */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
}

/**
 * Every schema file, path relative to events/schemas/ mapped to its exact text: one per
 * domain event (`<EventType>.schema.json`, the full EventBridge event) and the inbound
 * events under `inbound/`.
 */
export function eventSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const add = (path: string, schema: z.ZodType) => files.set(path, JSON.stringify(toJsonSchema(schema), null, 2) + '\n');
  for (const type of SEARCH_EVENT_TYPES) add(`${type}.schema.json`, EVENT_ENVELOPE_SCHEMAS[type]);
  add('inbound/s3-object-created.schema.json', S3ObjectCreatedEventSchema);
  add('inbound/http-api-request.schema.json', HttpApiRequestSchema);
  add('inbound/execution-status-change.schema.json', ExecutionStatusChangeEventSchema);
  return files;
}
