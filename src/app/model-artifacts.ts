/**
 * Writing and reading a trained model in the TensorFlow.js layers format (model.json and
 * weights.bin) through the artifact port, so the same code stores models on disk and in S3.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCustomLayers } from '../core/models/index.js';
import type { ArtifactStore, StoredArtifact } from '../ports/artifact-store.js';

/** Save a model as `<prefix>model.json` and `<prefix>weights.bin`. */
export async function saveModel(artifacts: ArtifactStore, prefix: string, model: tf.LayersModel): Promise<StoredArtifact[]> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (!saved) throw new Error('the model produced no artifacts');
  const weights = saved.weightData
    ? new Uint8Array(tf.io.concatenateArrayBuffers(Array.isArray(saved.weightData) ? saved.weightData : [saved.weightData]))
    : new Uint8Array(0);
  const manifest = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved.weightSpecs ?? [] }],
  };
  return [
    await artifacts.put(`${prefix}model.json`, JSON.stringify(manifest), 'application/json'),
    await artifacts.put(`${prefix}weights.bin`, weights, 'application/octet-stream'),
  ];
}

/** Load a model saved by {@link saveModel}. */
export async function loadModel(artifacts: ArtifactStore, prefix: string): Promise<tf.LayersModel> {
  registerCustomLayers();
  const [json, weights] = await Promise.all([artifacts.get(`${prefix}model.json`), artifacts.get(`${prefix}weights.bin`)]);
  if (!json || !weights) throw new Error(`no model stored under ${prefix}`);
  const manifest = JSON.parse(new TextDecoder().decode(json)) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightsManifest.flatMap((m) => m.weights),
      weightData: buffer,
    }),
  );
}

/** Store weight tensors as `<key>.json` (shapes) and `<key>.bin` (float32 values). */
export async function saveWeights(artifacts: ArtifactStore, key: string, weights: readonly tf.Tensor[]): Promise<void> {
  const sizes = weights.map((w) => w.size);
  const values = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  for (const w of weights) {
    values.set(w.dataSync() as Float32Array, offset);
    offset += w.size;
  }
  await artifacts.put(`${key}.bin`, new Uint8Array(values.buffer), 'application/octet-stream');
  await artifacts.put(`${key}.json`, JSON.stringify({ shapes: weights.map((w) => w.shape) }), 'application/json');
}

/** Weights stored by {@link saveWeights}, or undefined when there are none. The caller disposes them. */
export async function loadWeights(artifacts: ArtifactStore, key: string): Promise<tf.Tensor[] | undefined> {
  const [meta, bin] = await Promise.all([artifacts.get(`${key}.json`), artifacts.get(`${key}.bin`)]);
  if (!meta || !bin) return undefined;
  const { shapes } = JSON.parse(new TextDecoder().decode(meta)) as { shapes: number[][] };
  const values = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(values.subarray(offset, offset + size), shape);
    offset += size;
    return tensor;
  });
}
