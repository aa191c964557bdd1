/**
 * Deployment target of the registry events (an EventBridge rule delivers
 * ModelVersionRegistered and ModelStageChanged): writes the version's edge bundle and the
 * stage pointers under `deployments/`.
 */
import { searchEventFromEnvelope } from '../events/schemas.js';
import { deployOnEvent, type DeploymentOutput } from '../src/app/deploy.js';
import { initBackend } from '../src/runtime/backend.js';
import { cloudServices, lambdaHandler } from './lib/lambda.js';

const backend = initBackend('auto');

export const handler = lambdaHandler<unknown, DeploymentOutput | { ignored: string }>(
  async (raw) => {
    await backend;
    const event = searchEventFromEnvelope(raw);
    return (await deployOnEvent(await cloudServices(), event)) ?? { ignored: event.type };
  },
  (raw) => (raw as { detail?: { searchId?: string } }).detail?.searchId,
);
