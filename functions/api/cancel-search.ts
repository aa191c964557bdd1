/** POST /searches/{searchId}/cancel — stop a running search; 409 when it is not running. */
import { cancelSearch } from '../../src/app/cancel-search.js';
import { workflowEngine } from '../lib/engine.js';
import { httpHandler, json, pathParameter } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

export const handler = httpHandler(async (event) =>
  json(200, await cancelSearch(await cloudServices(), workflowEngine(), pathParameter(event, 'searchId'))),
);
