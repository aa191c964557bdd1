/**
 * POST /searches — validate a spec (JSON object, or YAML/JSON text) and its dataset, then
 * start the search workflow. 202 with the search id; 400/422 with the reasons otherwise.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { submitSearch } from '../../src/app/submit-search.js';
import { SpecError } from '../../src/core/errors.js';
import { bucketBase } from '../../src/runtime/aws.js';
import { newSearchId } from '../../src/runtime/ids.js';
import { workflowEngine } from '../lib/engine.js';
import { httpHandler, json, parseBody } from '../lib/http.js';
import { cloudConfig, cloudServices } from '../lib/lambda.js';

const Body = z.object({ spec: z.union([z.record(z.string(), z.unknown()), z.string()]) });

function specObject(spec: Record<string, unknown> | string): unknown {
  if (typeof spec !== 'string') return spec;
  const doc = parseDocument(spec);
  if (doc.errors.length) throw new SpecError(doc.errors.map((e) => ({ path: '', message: `not valid YAML/JSON: ${e.message.split('\n')[0]}` })));
  return doc.toJS();
}

export const handler = httpHandler(async (event) => {
  const { spec } = parseBody(event, Body);
  const services = await cloudServices();
  const submitted = await submitSearch(services, workflowEngine(), {
    spec: specObject(spec),
    source: 'api',
    base: bucketBase(cloudConfig()),
    searchIdFor: (name) => newSearchId(name, services.clock()),
  });
  return json(202, { ...submitted, status: 'running', links: { self: `/searches/${submitted.searchId}` } });
});
