/** GET /models — model names with their latest version and the versions serving staging and production. */
import { listModelSummaries } from '../../src/app/registry.js';
import { httpHandler, json } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

export const handler = httpHandler(async () => json(200, { models: await listModelSummaries(await cloudServices()) }));
