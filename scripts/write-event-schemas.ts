/**
 * Regenerates the JSON Schema files under events/schemas/ from the zod event schemas
 * (`npx tsx scripts/write-event-schemas.ts`), and removes schema files no event has any more.
 * A test fails when the files are out of date.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventSchemaFiles } from '../events/json-schemas.js';

const root = fileURLToPath(new URL('../events/schemas/', import.meta.url));
const files = eventSchemaFiles();

for (const [path, text] of files) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
  const path = entry.split(sep).join('/');
  if (path.endsWith('.schema.json') && !files.has(path)) rmSync(join(root, entry));
}

console.log(`wrote ${files.size} schema files to events/schemas/`);
