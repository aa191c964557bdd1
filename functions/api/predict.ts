/**
 * POST /models/{name}/predict — answers from the version serving production (or `?version=n`
 * / `?version=staging`). Models load from S3 once per container and stay cached; the
 * production pointer is read per request, so a promotion or rollback takes effect at once.
 */
import { z } from 'zod';
import { ModelCache, predict } from '../../src/app/predict.js';
import { parseVersionRef } from '../../src/app/registry.js';
import { initBackend } from '../../src/runtime/backend.js';
import { httpHandler, json, parseBody, pathParameter } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

const Body = z.object({ instances: z.array(z.unknown()).min(1).max(10_000) });
const cache = new ModelCache();
const backend = initBackend('auto');

export const handler = httpHandler(async (event) => {
  await backend;
  const name = pathParameter(event, 'name');
  const { ref } = parseVersionRef(`${name}@${event.queryStringParameters?.version ?? 'production'}`);
  const { instances } = parseBody(event, Body);
  return json(200, await predict(await cloudServices(), cache, { name, ref, instances }));
});
