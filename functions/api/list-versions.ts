/** GET /models/{name}/versions — every version of a model with its metrics and artifacts. */
import { modelVersions } from '../../src/app/registry.js';
import { httpHandler, json, pathParameter } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

export const handler = httpHandler(async (event) => json(200, { versions: await modelVersions(await cloudServices(), pathParameter(event, 'name')) }));
