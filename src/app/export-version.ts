/**
 * Exporting a registered version for use outside modelsmith: the TensorFlow.js model at a
 * chosen weight precision, or an ONNX model exported from the architecture and weights —
 * each with the fitted preprocessing the inputs need. Returns the files; the caller writes them.
 */
import type { Architecture } from '../core/models/types.js';
import { InputError } from '../core/errors.js';
import { exportOnnx, modelWeights, tfjsBundles, WEIGHTS_FILE, type WeightPrecision } from '../core/export/index.js';
import { loadModel } from './model-artifacts.js';
import { resolveVersion, type VersionRef } from './registry.js';
import type { Services } from './services.js';

export type ExportFormat = 'tfjs' | 'onnx';

export interface ExportRequest {
  readonly name: string;
  readonly ref: VersionRef;
  readonly format: ExportFormat;
  /** tfjs only: store weights as float16 or uint8 instead of float32. */
  readonly quantize?: Exclude<WeightPrecision, 'float32'>;
}

export interface ExportedVersion {
  readonly name: string;
  readonly version: number;
  /** Relative path to content. */
  readonly files: Readonly<Record<string, Uint8Array | string>>;
}

export async function exportVersion(services: Services, request: ExportRequest): Promise<ExportedVersion> {
  if (request.format === 'onnx' && request.quantize) throw new InputError('--quantize applies to the tfjs format only; ONNX weights are float32');
  const version = await resolveVersion(services, request.name, request.ref);
  const prefix = version.artifactPrefix;
  const [preprocessor, architecture] = await Promise.all([services.artifacts.get(`${prefix}preprocessor.json`), services.artifacts.get(`${prefix}architecture.json`)]);
  if (!preprocessor) throw new InputError(`version ${version.version} of ${request.name} has no preprocessor.json`);
  const model = await loadModel(services.artifacts, prefix);
  try {
    if (request.format === 'onnx') {
      if (!architecture) throw new InputError(`version ${version.version} of ${request.name} has no architecture.json to export ONNX from`);
      const arch = JSON.parse(new TextDecoder().decode(architecture)) as Architecture;
      const onnx = exportOnnx(arch, modelWeights(model), { modelVersion: version.version, graphName: request.name, metadata: { name: request.name, version: String(version.version), family: version.family } });
      return { name: request.name, version: version.version, files: { 'model.onnx': onnx, 'preprocessor.json': preprocessor } };
    }
    const [bundle] = await tfjsBundles(model, [request.quantize ?? 'float32']);
    if (!bundle) throw new Error('the tfjs bundle was not produced');
    return {
      name: request.name,
      version: version.version,
      files: { 'model.json': JSON.stringify(bundle.modelJson), [WEIGHTS_FILE]: bundle.weights, 'preprocessor.json': preprocessor },
    };
  } finally {
    model.dispose();
  }
}
