/**
 * The spec's JSON Schema, generated from the zod schema so the two never disagree. The
 * generated file is published at schema/search-spec.schema.json for editor completion.
 */
import { z } from 'zod';
import { SearchSpecSchema } from './schema.js';

/** The JSON Schema (draft 2020-12) of a search spec as users write it. */
export function searchSpecJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SearchSpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'modelsmith search spec',
    description: 'A learning problem, the models worth trying, the limits a model must respect, and the search budget.',
  };
}
