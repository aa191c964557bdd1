/**
 * The local stand-in for the deployment rule: registry events published on the in-process
 * bus (a version registered, a stage changed) run the same deployment use case the cloud's
 * rule target runs, one after the other and off the publisher's path, as EventBridge
 * delivers them. Callers drain it before closing the store.
 */
import { deployOnEvent, type DeploymentOutput } from '../../app/deploy.js';
import type { Services } from '../../app/services.js';
import type { LocalEventBus } from '../../adapters/events/local-event-bus.js';

export interface LocalDeployments {
  /** Wait for every delivered event's deployment; rejects with the first failure. */
  drain(): Promise<void>;
  /** Deployments done so far, in order. */
  readonly done: DeploymentOutput[];
  stop(): void;
}

export function routeDeployments(bus: LocalEventBus, services: Services): LocalDeployments {
  const done: DeploymentOutput[] = [];
  let queue: Promise<void> = Promise.resolve();
  let failure: unknown;
  const stop = bus.subscribe((event) => {
    if (event.type !== 'ModelVersionRegistered' && event.type !== 'ModelStageChanged') return;
    queue = queue.then(async () => {
      try {
        const output = await deployOnEvent(services, event);
        if (output) done.push(output);
      } catch (error) {
        failure ??= error;
      }
    });
  });
  return {
    done,
    stop,
    async drain() {
      await queue;
      if (failure !== undefined) throw failure;
    },
  };
}
