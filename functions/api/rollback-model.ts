/** POST /models/{name}/rollback — production returns to the version before (or `{ "to": n }`); 409 when there is none. */
import { z } from 'zod';
import { rollbackModel } from '../../src/app/registry.js';
import { httpHandler, json, parseBody, pathParameter } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

const Body = z.strictObject({ to: z.int().min(1).optional() });

export const handler = httpHandler(async (event) => {
  const { to } = event.body ? parseBody(event, Body) : {};
  return json(200, await rollbackModel(await cloudServices(), { name: pathParameter(event, 'name'), ...(to === undefined ? {} : { to }) }));
});
