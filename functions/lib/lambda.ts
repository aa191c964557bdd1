/**
 * What every Lambda handler shares: the Powertools logger (with the search id as the
 * correlation id), middy wiring, and the cloud services built once per cold start from
 * the function's environment. Handlers stay a few lines each.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Services } from '../../src/app/services.js';
import { awsConfigFromEnv, awsServices, type AwsConfig } from '../../src/runtime/aws.js';
import type { TaskName } from '../../src/workflow/definition.js';

export const logger = new Logger({ serviceName: 'modelsmith' });

let config: AwsConfig | undefined;
const services = new Map<string, Promise<Services>>();

/** The deployment's settings, read once. */
export function cloudConfig(): AwsConfig {
  config ??= awsConfigFromEnv(process.env);
  return config;
}

/** Starts a training backend and names it (the trainer functions pass `initBackend`). */
export type BackendStarter = () => Promise<{ name: string }>;

/** Services for this process; with `startBackend`, the training backend is started first. */
export function cloudServices(startBackend?: BackendStarter): Promise<Services> {
  const key = startBackend ? 'training' : 'light';
  let pending = services.get(key);
  if (!pending) {
    pending = (async () => awsServices(cloudConfig(), startBackend ? (await startBackend()).name : 'none'))();
    pending.catch(() => services.delete(key));
    services.set(key, pending);
  }
  return pending;
}

/** Sets the logger's correlation id to the search id found in the event. */
export function correlateSearch<E>(searchIdOf: (event: E) => string | undefined): MiddlewareObj<E> {
  return {
    before: (request) => {
      const searchId = searchIdOf(request.event);
      if (searchId) logger.setCorrelationId(searchId);
    },
  };
}

/** Wrap a handler with the shared middleware. */
export function lambdaHandler<E, R>(handler: (event: E, context: Context) => Promise<R>, searchIdOf: (event: E) => string | undefined) {
  return middy<E, R>(handler).use(injectLambdaContext(logger, { resetKeys: true })).use(correlateSearch<E>(searchIdOf));
}

/**
 * The Lambda handler of a workflow Task: the same use case the local engine binds to the
 * state. Each function imports only its own use case, so light functions carry no model
 * code.
 */
export function taskHandler<I>(
  name: TaskName,
  run: (services: Services, input: I) => Promise<unknown>,
  options: { startBackend?: BackendStarter } = {},
) {
  return lambdaHandler<Record<string, unknown>, unknown>(
    async (event) => {
      const result = await run(await cloudServices(options.startBackend), event as I);
      logger.info(`${name} done`, { task: name });
      return result;
    },
    (event) => (typeof event.searchId === 'string' ? event.searchId : undefined),
  );
}
