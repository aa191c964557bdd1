/** GET /searches?limit=N — searches, newest first. */
import { listSearchSummaries } from '../../src/app/queries.js';
import { BadRequestError, httpHandler, json } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

export const handler = httpHandler(async (event) => {
  const raw = event.queryStringParameters?.limit ?? '50';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadRequestError(`limit: expected an integer from 1 to 1000, got ${raw}`);
  return json(200, { searches: await listSearchSummaries(await cloudServices(), limit) });
});
