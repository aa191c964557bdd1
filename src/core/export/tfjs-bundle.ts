/**
 * A trained tfjs model as TensorFlow.js layers-format files (model.json and one weights
 * file) at three weight precisions: float32 as trained, float16 (half the size) and uint8
 * (a quarter), quantized the way tfjs's loader dequantizes — the weights manifest marks
 * each quantized tensor with `quantization: { dtype: 'float16' }` or
 * `{ dtype: 'uint8', scale, min }` (value = byte × scale + min), so `tf.loadLayersModel`
 * reads every variant back to float32 weights with no extra code.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCustomLayers } from '../models/layers/index.js';

export const WEIGHT_PRECISIONS = ['float32', 'float16', 'uint8'] as const;
export type WeightPrecision = (typeof WEIGHT_PRECISIONS)[number];

/** The weights file every bundle's model.json points at. */
export const WEIGHTS_FILE = 'weights.bin';

/** A weights manifest entry as tfjs reads it. */
export type WeightSpec = tf.io.WeightsManifestEntry;

/** The content of model.json in TensorFlow.js's layers format. */
export interface LayersModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: string | null;
  readonly modelTopology: object;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly WeightSpec[] }[];
}

/** One precision's files and what quantizing cost. */
export interface TfjsBundle {
  readonly precision: WeightPrecision;
  readonly modelJson: LayersModelJson;
  /** The bytes of {@link WEIGHTS_FILE}. */
  readonly weights: Uint8Array;
  /** Largest |stored − trained| over every weight value (0 for float32). */
  readonly maxWeightError: number;
}

/** A model's topology and float32 weights, as tfjs hands them to a save handler. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!saved?.modelTopology) throw new Error('the model produced no artifacts');
  return saved;
}

// ---------------------------------------------------------------------------------------
// float16

const scratch32 = new Float32Array(1);
const scratchBits = new Uint32Array(scratch32.buffer);

/** IEEE 754 binary16 bits of a number, rounded to nearest even (overflow → ±Infinity). */
export function float16Bits(value: number): number {
  scratch32[0] = value;
  const bits = scratchBits[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): the value is m × 2^-24 with m = full mantissa >> shift.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly moves to the next exponent (or to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half += 1;
  return sign | half;
}

/** The number a binary16 bit pattern holds. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

// ---------------------------------------------------------------------------------------
// uint8

/**
 * Affine uint8 parameters of a tensor: 256 levels spanning [min, max]. When the range
 * holds zero, `min` is nudged so that zero is one of the levels (zero biases and padding
 * stay exact); a constant tensor gets scale 0 and decodes exactly.
 */
export function uint8Range(values: Float32Array): { readonly scale: number; readonly min: number } {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError('cannot quantize a weight that is not finite');
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (values.length === 0 || high === low) return { scale: 0, min: values.length === 0 ? 0 : low };
  const scale = (high - low) / 255;
  const min = low <= 0 && high >= 0 ? -Math.round(-low / scale) * scale : low;
  return { scale, min };
}

function quantizeUint8(values: Float32Array): { bytes: Uint8Array; scale: number; min: number; error: number } {
  const { scale, min } = uint8Range(values);
  const bytes = new Uint8Array(values.length);
  let error = 0;
  values.forEach((value, i) => {
    const level = scale === 0 ? 0 : Math.min(255, Math.max(0, Math.round((value - min) / scale)));
    bytes[i] = level;
    // Decoded as tfjs does: in double precision, then stored as float32.
    error = Math.max(error, Math.abs(Math.fround(level * scale + min) - value));
  });
  return { bytes, scale, min, error };
}

function quantizeFloat16(values: Float32Array): { bytes: Uint8Array; error: number } {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  let error = 0;
  values.forEach((value, i) => {
    const bits = float16Bits(value);
    view.setUint16(i * 2, bits, true);
    error = Math.max(error, Math.abs(float16Value(bits) - value));
  });
  return { bytes, error };
}

// ---------------------------------------------------------------------------------------
// bundles

const BYTES_PER_VALUE: Partial<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/** The weight data of artifacts as one buffer. */
function weightBytes(artifacts: tf.io.ModelArtifacts): Uint8Array {
  const data = artifacts.weightData;
  if (!data) return new Uint8Array(0);
  return new Uint8Array(tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data]));
}

/**
 * Re-encode saved float32 artifacts at a precision. Float32 weights are quantized; int32
 * and bool weights (none in the models modelsmith builds) are kept as they are.
 */
export function bundleArtifacts(artifacts: tf.io.ModelArtifacts, precision: WeightPrecision): TfjsBundle {
  const specs = artifacts.weightSpecs ?? [];
  const data = weightBytes(artifacts);
  const parts: Uint8Array[] = [];
  const outSpecs: WeightSpec[] = [];
  let offset = 0;
  let maxWeightError = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new RangeError(`weight ${spec.name} is already quantized`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const width = BYTES_PER_VALUE[spec.dtype];
    if (width === undefined) throw new RangeError(`weight ${spec.name} has dtype ${spec.dtype}, which a bundle cannot hold`);
    const raw = data.slice(offset, offset + size * width);
    if (raw.length !== size * width) throw new RangeError(`the weight data ends inside weight ${spec.name}`);
    offset += raw.length;
    if (spec.dtype !== 'float32' || precision === 'float32') {
      parts.push(raw);
      outSpecs.push({ name: spec.name, shape: spec.shape, dtype: spec.dtype });
      continue;
    }
    const values = new Float32Array(raw.buffer, raw.byteOffset, size);
    if (precision === 'float16') {
      const { bytes, error } = quantizeFloat16(values);
      parts.push(bytes);
      outSpecs.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
      maxWeightError = Math.max(maxWeightError, error);
    } else {
      const { bytes, scale, min, error } = quantizeUint8(values);
      parts.push(bytes);
      outSpecs.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale, min } });
      maxWeightError = Math.max(maxWeightError, error);
    }
  }
  if (offset !== data.length) throw new RangeError(`the weight data has ${data.length - offset} bytes no weight spec accounts for`);
  const weights = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  parts.reduce((at, part) => (weights.set(part, at), at + part.length), 0);
  return {
    precision,
    modelJson: {
      format: 'layers-model',
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: artifacts.convertedBy ?? null,
      modelTopology: artifacts.modelTopology as object,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: outSpecs }],
    },
    weights,
    maxWeightError,
  };
}

/** The model's files at each requested precision (all three by default). */
export async function tfjsBundles(model: tf.LayersModel, precisions: readonly WeightPrecision[] = WEIGHT_PRECISIONS): Promise<TfjsBundle[]> {
  const artifacts = await modelArtifacts(model);
  return precisions.map((precision) => bundleArtifacts(artifacts, precision));
}

/** Load a model back from a bundle's model.json and weights file, as a browser or device would. */
export async function loadBundle(modelJson: LayersModelJson, weights: Uint8Array): Promise<tf.LayersModel> {
  registerCustomLayers();
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: buffer,
    }),
  );
}
