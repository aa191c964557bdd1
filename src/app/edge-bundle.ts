/**
 * WriteEdgeBundle: everything a device or browser needs to run a registered model version,
 * under `deployments/<name>/<version>/`: the TensorFlow.js files at float32, float16 and
 * uint8 weight precision, `model.onnx` when every layer has an ONNX lowering, the fitted
 * preprocessing, and `manifest.json` — the input schema (columns, encodings, tensor shape
 * and layout), the output (classes or how to undo target scaling), the version's metrics
 * and every file with its size. The manifest is written last: its presence marks a
 * complete bundle. Writing again replaces the bundle with an identical one (but its time).
 */
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.js';
import type { FeatureEncoder, Preprocessor } from '../core/data/preprocess.js';
import { exportOnnx, ONNX_INPUT, ONNX_IR_VERSION, ONNX_OPSET, ONNX_OUTPUT, OnnxExportError, onnxSupport } from '../core/export/onnx.js';
import { tfjsBundles, WEIGHTS_FILE, type WeightPrecision } from '../core/export/tfjs-bundle.js';
import { modelWeights } from '../core/export/weights.js';
import type { Metrics } from '../core/metrics/names.js';
import type { Architecture, ModelCost } from '../core/models/types.js';
import { artifactKeys } from '../ports/artifact-store.js';
import { loadModel } from './model-artifacts.js';
import { nowIso, type Services } from './services.js';

export const EdgeBundleRef = z.object({ name: z.string().min(1), version: z.int().min(1) });
export type EdgeBundleRef = z.infer<typeof EdgeBundleRef>;

export const EDGE_MANIFEST_FORMAT = 'modelsmith.edge-bundle/1';

/** One input column and how it becomes model features. */
export type ColumnSchema =
  | {
      readonly name: string;
      readonly type: 'numeric';
      /** One feature: (value − center) / scale; a missing value is replaced by `fill` first. */
      readonly center: number;
      readonly scale: number;
      readonly fill: number;
    }
  | {
      readonly name: string;
      readonly type: 'categorical';
      /** One feature per category, in this order (one-hot); an unknown value sets none. */
      readonly categories: readonly string[];
      /** Used for a missing value; null: a missing value sets no feature. */
      readonly fill: string | null;
    };

export interface TensorSchema {
  readonly name: string;
  readonly dtype: 'float32';
  /** 'batch' is the free first dimension. */
  readonly shape: readonly (number | 'batch')[];
}

export interface EdgeManifest {
  readonly format: typeof EDGE_MANIFEST_FORMAT;
  readonly name: string;
  readonly version: number;
  readonly family: string;
  readonly searchId: string;
  readonly trial: number;
  /** When the version was registered, and when this bundle was written. */
  readonly registeredAt: string;
  readonly bundledAt: string;
  readonly input: {
    readonly kind: Preprocessor['kind'];
    /** The same for tfjs and ONNX: [batch, features], [batch, height, width, channels] (NHWC) or [batch, steps, features]. */
    readonly tensor: TensorSchema & { readonly layout: 'features' | 'NHWC' | 'steps-features' };
    /** In feature order. Images: the pixel columns in row-major (height, width, channel) order. */
    readonly columns: readonly ColumnSchema[];
    /** Sequences: each example is `window` consecutive rows, predicting `horizon` rows after the last. */
    readonly window?: number;
    readonly horizon?: number;
  };
  readonly output: {
    readonly tensor: TensorSchema;
    readonly task: 'classification' | 'regression';
    readonly target: string;
    /** Classification: output i is the probability of `classes[i]`. */
    readonly classes?: readonly string[];
    /** Regression: prediction = output × scale + center. */
    readonly standardized?: { readonly center: number; readonly scale: number };
  };
  readonly metrics: { readonly crossValidation: Metrics; readonly test: Metrics };
  readonly cost: ModelCost;
  readonly formats: {
    readonly tfjs: readonly {
      readonly precision: WeightPrecision;
      readonly modelJson: string;
      readonly weights: string;
      /** Largest |stored − trained| weight value. */
      readonly maxWeightError: number;
    }[];
    readonly onnx: { readonly file: string; readonly opset: number; readonly irVersion: number } | { readonly file: null; readonly reason: string };
    readonly preprocessor: string;
  };
  /** Every file of the bundle but the manifest, relative to the bundle's prefix. */
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
}

export interface EdgeBundleOutput {
  readonly name: string;
  readonly version: number;
  /** Key prefix of the bundle. */
  readonly prefix: string;
  readonly manifest: EdgeManifest;
}

const FILES = { preprocessor: 'preprocessor.json', architecture: 'architecture.json', onnx: 'model.onnx', manifest: 'manifest.json' } as const;

function columnSchema(encoder: FeatureEncoder): ColumnSchema {
  if (encoder.kind === 'numeric') {
    return { name: encoder.column, type: 'numeric', center: encoder.center, scale: encoder.scale, fill: encoder.fill };
  }
  return { name: encoder.column, type: 'categorical', categories: encoder.levels, fill: encoder.fill };
}

const LAYOUTS = { tabular: 'features', image: 'NHWC', sequence: 'steps-features' } as const;

function inputSchema(pre: Preprocessor): EdgeManifest['input'] {
  return {
    kind: pre.kind,
    tensor: { name: ONNX_INPUT, dtype: 'float32', shape: ['batch', ...pre.inputShape], layout: LAYOUTS[pre.kind] },
    columns: pre.features.map(columnSchema),
    ...(pre.kind === 'sequence' ? { window: pre.window, horizon: pre.horizon } : {}),
  };
}

function outputSchema(pre: Preprocessor): EdgeManifest['output'] {
  const target = pre.target;
  if (target.kind === 'classes') {
    return {
      tensor: { name: ONNX_OUTPUT, dtype: 'float32', shape: ['batch', target.classes.length] },
      task: 'classification',
      target: target.column,
      classes: target.classes,
    };
  }
  return {
    tensor: { name: ONNX_OUTPUT, dtype: 'float32', shape: ['batch', 1] },
    task: 'regression',
    target: target.column,
    standardized: { center: target.center, scale: target.scale },
  };
}

function parseJson<T>(bytes: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

/** The ONNX file of the model, or why there is none. */
function onnxOf(
  architecture: Architecture | undefined,
  model: tf.LayersModel,
  ref: EdgeBundleRef,
  family: string,
): { bytes: Uint8Array } | { reason: string } {
  if (!architecture) return { reason: `the version has no ${FILES.architecture}, which the ONNX exporter reads` };
  const modelShape = model.inputs[0]?.shape.slice(1) ?? [];
  if (modelShape.length !== architecture.inputShape.length || modelShape.some((dim, i) => dim !== architecture.inputShape[i])) {
    return { reason: `${FILES.architecture} describes input [${architecture.inputShape.join(', ')}] but the model reads [${modelShape.join(', ')}]` };
  }
  const support = onnxSupport(architecture);
  if (!support.supported) return { reason: support.reason };
  try {
    const metadata = { name: ref.name, version: String(ref.version), family };
    return { bytes: exportOnnx(architecture, modelWeights(model), { modelVersion: ref.version, graphName: ref.name, metadata }) };
  } catch (error) {
    if (error instanceof OnnxExportError) return { reason: error.message };
    throw error;
  }
}

/** Write the edge bundle of a registered model version. */
export async function writeEdgeBundle(services: Pick<Services, 'metadata' | 'artifacts' | 'clock'>, raw: EdgeBundleRef): Promise<EdgeBundleOutput> {
  const ref = EdgeBundleRef.parse(raw);
  const record = (await services.metadata.listModelVersions(ref.name)).find((v) => v.version === ref.version);
  if (!record) throw new NotFoundError(`model ${ref.name} has no version ${ref.version}`);
  const source = record.artifactPrefix || artifactKeys.modelVersion(ref.name, ref.version);
  const [preprocessorBytes, architectureBytes] = await Promise.all([
    services.artifacts.get(`${source}${FILES.preprocessor}`),
    services.artifacts.get(`${source}${FILES.architecture}`),
  ]);
  if (!preprocessorBytes) throw new NotFoundError(`model ${ref.name} version ${ref.version} has no ${FILES.preprocessor}`);
  const preprocessor = parseJson<Preprocessor>(preprocessorBytes);
  const architecture = architectureBytes ? parseJson<Architecture>(architectureBytes) : undefined;

  const prefix = artifactKeys.deployment(ref.name, ref.version);
  const files: { path: string; bytes: number }[] = [];
  const put = async (path: string, body: Uint8Array | string, contentType: string): Promise<void> => {
    await services.artifacts.put(`${prefix}${path}`, body, contentType);
    files.push({ path, bytes: typeof body === 'string' ? new TextEncoder().encode(body).length : body.length });
  };

  const model = await loadModel(services.artifacts, source);
  const tfjs: EdgeManifest['formats']['tfjs'][number][] = [];
  let onnx: ReturnType<typeof onnxOf>;
  try {
    const bundles = await tfjsBundles(model);
    for (const bundle of bundles) {
      const folder = `tfjs/${bundle.precision}/`;
      await put(`${folder}model.json`, JSON.stringify(bundle.modelJson), 'application/json');
      await put(`${folder}${WEIGHTS_FILE}`, bundle.weights, 'application/octet-stream');
      tfjs.push({ precision: bundle.precision, modelJson: `${folder}model.json`, weights: `${folder}${WEIGHTS_FILE}`, maxWeightError: bundle.maxWeightError });
    }
    onnx = onnxOf(architecture, model, ref, record.family);
  } finally {
    model.dispose();
  }
  if ('bytes' in onnx) await put(FILES.onnx, onnx.bytes, 'application/octet-stream');
  await put(FILES.preprocessor, preprocessorBytes, 'application/json');

  const manifest: EdgeManifest = {
    format: EDGE_MANIFEST_FORMAT,
    name: ref.name,
    version: ref.version,
    family: record.family,
    searchId: record.searchId,
    trial: record.trial,
    registeredAt: record.createdAt,
    bundledAt: nowIso(services),
    input: inputSchema(preprocessor),
    output: outputSchema(preprocessor),
    metrics: { crossValidation: record.metrics, test: record.testMetrics },
    cost: record.cost,
    formats: {
      tfjs,
      onnx: 'bytes' in onnx ? { file: FILES.onnx, opset: ONNX_OPSET, irVersion: ONNX_IR_VERSION } : { file: null, reason: onnx.reason },
      preprocessor: FILES.preprocessor,
    },
    files,
  };
  await services.artifacts.put(`${prefix}${FILES.manifest}`, JSON.stringify(manifest, null, 2), 'application/json');
  return { name: ref.name, version: ref.version, prefix, manifest };
}
