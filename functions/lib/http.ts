/**
 * The HTTP edge of the API handlers: JSON responses, request-body parsing, and one
 * mapping from domain errors to status codes and stable error codes. Every error response
 * is `{ "error": { "code", "message", "issues"? } }`.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { InputError } from '../../src/core/errors.js';
import { httpErrorOf, INTERNAL_ERROR } from '../../src/runtime/http-errors.js';
import { lambdaHandler, logger } from './lambda.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** The request itself is malformed (not JSON, missing fields, bad parameters). */
export class BadRequestError extends InputError {}

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The response for an error: known domain errors explain themselves; anything else is a 500. */
export function errorResponse(error: unknown): HttpResult {
  const known = httpErrorOf(error);
  if (known) return json(known.status, known.body);
  logger.error('unexpected error', { error: error as Error });
  return json(500, INTERNAL_ERROR);
}

/** Turns thrown errors into JSON error responses. */
export function httpErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      request.response = errorResponse(request.error);
    },
  };
}

/** Parse a JSON request body against a schema; BadRequestError names what is wrong. */
export function parseBody<T>(event: HttpEvent, schema: z.ZodType<T>): T {
  if (!event.body) throw new BadRequestError('the request needs a JSON body');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BadRequestError(`body${first?.path.length ? `.${first.path.join('.')}` : ''}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** A required path parameter. */
export function pathParameter(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new BadRequestError(`the path needs {${name}}`);
  return decodeURIComponent(value);
}

/** An API handler with the shared middleware and JSON error responses. */
export function httpHandler(handler: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return lambdaHandler<HttpEvent, HttpResult>(handler, (event) => event.pathParameters?.searchId).use(httpErrors());
}
