/**
 * Predictions from a registered model version: resolve the version (production unless
 * named), load its model and preprocessing once and keep them for the next request, then
 * validate, encode, predict and decode. The cloud endpoint, `modelsmith serve` and tests
 * share this code, so every way of asking answers alike.
 */
import * as tf from '@tensorflow/tfjs';
import type { Preprocessor } from '../core/data/preprocess.js';
import { decodePredictions, encodeInstances, inputSchemaOf, type InputSchema, type Prediction } from '../core/serving/instances.js';
import type { ModelStage } from '../ports/records.js';
import { loadModel } from './model-artifacts.js';
import { resolveVersion, type VersionRef } from './registry.js';
import type { Services } from './services.js';

/** A version ready to answer. */
export interface LoadedVersion {
  readonly name: string;
  readonly version: number;
  readonly model: tf.LayersModel;
  readonly preprocessor: Preprocessor;
  readonly input: InputSchema;
}

/**
 * Loaded versions by name and number, the most recently used kept; versions are immutable,
 * so an entry never goes stale — a promotion or rollback simply resolves to another entry.
 */
export class ModelCache {
  private readonly entries = new Map<string, Promise<LoadedVersion>>();

  constructor(private readonly capacity = 4) {}

  get(services: Services, name: string, version: number, artifactPrefix: string): Promise<LoadedVersion> {
    const key = `${name}@${version}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = loadVersion(services, name, version, artifactPrefix);
      entry.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) {
      const [oldest, evicted] = this.entries.entries().next().value as [string, Promise<LoadedVersion>];
      this.entries.delete(oldest);
      void evicted.then((v) => v.model.dispose(), () => undefined);
    }
    return entry;
  }

  /** Versions loaded now, e.g. to show what a server holds. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    for (const entry of this.entries.values()) void entry.then((v) => v.model.dispose(), () => undefined);
    this.entries.clear();
  }
}

async function loadVersion(services: Services, name: string, version: number, prefix: string): Promise<LoadedVersion> {
  const [model, raw] = await Promise.all([loadModel(services.artifacts, prefix), services.artifacts.get(`${prefix}preprocessor.json`)]);
  if (!raw) throw new Error(`version ${version} of ${name} has no preprocessor.json under ${prefix}`);
  const preprocessor = JSON.parse(new TextDecoder().decode(raw)) as Preprocessor;
  return { name, version, model, preprocessor, input: inputSchemaOf(preprocessor) };
}

export interface PredictRequest {
  readonly name: string;
  readonly ref?: VersionRef;
  readonly instances: unknown;
}

export interface PredictResponse {
  readonly name: string;
  readonly version: number;
  readonly stage: ModelStage;
  readonly predictions: Prediction[];
}

/** Answer a prediction request; malformed instances raise InputError naming the field. */
export async function predict(services: Services, cache: ModelCache, request: PredictRequest): Promise<PredictResponse> {
  const version = await resolveVersion(services, request.name, request.ref ?? 'production');
  const loaded = await cache.get(services, request.name, version.version, version.artifactPrefix);
  return { name: request.name, version: version.version, stage: version.stage, predictions: predictLoaded(loaded, request.instances) };
}

/** Predict with a loaded version. */
export function predictLoaded(loaded: LoadedVersion, instances: unknown): Prediction[] {
  const { count, x } = encodeInstances(loaded.preprocessor, instances);
  const outputs = tf.tidy(() => {
    const input = tf.tensor(x, [count, ...loaded.preprocessor.inputShape]);
    return (loaded.model.predict(input) as tf.Tensor).dataSync() as Float32Array;
  });
  return decodePredictions(loaded.preprocessor, outputs, count);
}
