/**
 * Deployment, driven by registry events: a registered version gets its edge bundle; a stage
 * change makes sure the version has one and republishes which bundle each stage serves
 * (`deployments/<name>/stages.json`, rewritten from the registry's pointers, so events
 * arriving out of order or twice leave it right). The cloud endpoint needs no step here:
 * it reads the production pointer on every request.
 */
import { artifactKeys } from '../ports/artifact-store.js';
import type { SearchEvent } from '../ports/event-bus.js';
import { writeEdgeBundle } from './edge-bundle.js';
import { requireModel } from './registry.js';
import { nowIso, type Services } from './services.js';

export interface DeploymentOutput {
  readonly name: string;
  /** Versions whose bundle this call wrote. */
  readonly bundled: number[];
  readonly stages: { readonly production?: number; readonly staging?: number };
}

/** Where edge clients look up the bundle each stage serves. */
export const stagesKey = (name: string) => `deployments/${name}/stages.json`;

async function hasBundle(services: Services, name: string, version: number): Promise<boolean> {
  return (await services.artifacts.get(`${artifactKeys.deployment(name, version)}manifest.json`)) !== undefined;
}

/** Rewrite the stage pointers of a model's deployments from the registry. */
export async function publishStages(services: Services, name: string): Promise<DeploymentOutput['stages']> {
  const model = await requireModel(services, name);
  const entry = (version: number | undefined) => (version === undefined ? null : { version, bundle: artifactKeys.deployment(name, version) });
  await services.artifacts.put(
    stagesKey(name),
    JSON.stringify({ name, production: entry(model.production), staging: entry(model.staging), revision: model.revision, updatedAt: nowIso(services) }, null, 2),
    'application/json',
  );
  return { ...(model.production === undefined ? {} : { production: model.production }), ...(model.staging === undefined ? {} : { staging: model.staging }) };
}

/** React to one event; events other than registrations and stage changes are ignored (undefined). */
export async function deployOnEvent(services: Services, event: SearchEvent): Promise<DeploymentOutput | undefined> {
  if (event.type !== 'ModelVersionRegistered' && event.type !== 'ModelStageChanged') return undefined;
  const { name, version } = event.detail;
  const bundled: number[] = [];
  if (event.type === 'ModelVersionRegistered' || !(await hasBundle(services, name, version))) {
    await writeEdgeBundle(services, { name, version });
    bundled.push(version);
  }
  return { name, bundled, stages: await publishStages(services, name) };
}
