/** GET /searches/{searchId} — a search with its trials and its registered model version. */
import { searchDetails } from '../../src/app/queries.js';
import { httpHandler, json, pathParameter } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

export const handler = httpHandler(async (event) => json(200, await searchDetails(await cloudServices(), pathParameter(event, 'searchId'))));
