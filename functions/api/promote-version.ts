/** POST /models/{name}/versions/{version}/stage — move a version into a stage: `{ "stage": "production" }`. */
import { z } from 'zod';
import { promoteVersion } from '../../src/app/registry.js';
import { BadRequestError, httpHandler, json, parseBody, pathParameter } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

const Body = z.strictObject({ stage: z.enum(['none', 'staging', 'production']) });

export const handler = httpHandler(async (event) => {
  const version = Number(pathParameter(event, 'version'));
  if (!Number.isInteger(version) || version < 1) throw new BadRequestError('{version} must be a positive integer');
  const { stage } = parseBody(event, Body);
  return json(200, await promoteVersion(await cloudServices(), { name: pathParameter(event, 'name'), version, stage }));
});
