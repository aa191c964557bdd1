/** GET /models — model names with their latest version number. */
import { httpHandler, json } from '../lib/http.js';
import { cloudServices } from '../lib/lambda.js';

export const handler = httpHandler(async () => json(200, { models: await (await cloudServices()).metadata.listModels() }));
