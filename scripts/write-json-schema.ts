/**
 * Regenerates schema/search-spec.schema.json from the zod schema (`npm run schema`).
 * A test fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { searchSpecJsonSchema } from '../src/core/spec/json-schema.js';

writeFileSync(new URL('../schema/search-spec.schema.json', import.meta.url), JSON.stringify(searchSpecJsonSchema(), null, 2) + '\n');
