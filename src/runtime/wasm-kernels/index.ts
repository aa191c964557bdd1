/**
 * Makes the wasm backend train every model family modelsmith builds, and fast: registers
 * the gradient kernels tfjs-backend-wasm 4.22 lacks (built from kernels it already has,
 * so the arithmetic stays in compiled code) and modelsmith's fused Adam update and
 * cross-entropy loss, replaces the stock kernel found to compute wrong results, and
 * (unless asked not to) the stock kernels measured to be much slower than an alternative
 * — through XNNPACK, without a copy, or on modelsmith's own SIMD kernels (`simd/`), which
 * run on the backend's heap.
 */
// Loaded first so that its stock kernels are registered before any replacement below.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { addConfig } from './add.js';
import { adamUpdateConfig } from './adam-update.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { crossEntropyConfigs } from './cross-entropy.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-backprop-input.js';
import { WASM_BACKEND } from './kernel-utils.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { sumConfig } from './sum.js';
import { tileConfig } from './tile.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

export { addWasm } from './add.js';
export { adamUpdateWasm } from './adam-update.js';
export { batchMatMulWasm } from './batch-mat-mul.js';
export { crossEntropyGradWasm, crossEntropyWasm } from './cross-entropy.js';
export { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
export { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
export { depthwiseConv2dNativeBackpropFilterWasm } from './depthwise-conv2d-backprop-filter.js';
export { depthwiseConv2dNativeBackpropInputWasm } from './depthwise-conv2d-backprop-input.js';
export { identityWasm } from './identity.js';
export { maxPoolGradWasm } from './max-pool-grad.js';
export { sumWasm } from './sum.js';
export { tileWasm } from './tile.js';
export { unsortedSegmentSumWasm } from './unsorted-segment-sum.js';

/** Kernels the wasm backend lacks; registered only where no kernel of the name exists. */
export const MISSING_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/**
 * Kernels of modelsmith's own fused operations (no tfjs backend has them): the training
 * loop uses each one where the active backend registers it.
 */
export const FUSED_WASM_KERNELS: readonly tf.KernelConfig[] = [adamUpdateConfig, ...crossEntropyConfigs];

/**
 * Stock wasm kernels that give wrong results and are always replaced: `MaxPoolGrad`
 * drops the gradient of pooling windows whose inputs are all negative (see
 * `max-pool-grad.ts`).
 */
export const FIXED_WASM_KERNELS: readonly tf.KernelConfig[] = [maxPoolGradConfig];

/**
 * Stock wasm kernels that are correct but measured much slower than a composition of
 * faster wasm kernels; replaced unless {@link RegisterOptions.replaceSlowKernels} is false.
 * `Conv2DBackpropInput`: 1.5-10x faster through XNNPACK `Conv2D` on training shapes;
 * `BatchMatMul` with a transposed operand (every dense layer's gradients): 5-10x faster
 * through XNNPACK; `Identity` (the engine's clone of every tensor a backward pass keeps)
 * without copying the data; `Sum` over leading axes (bias gradients) without the stock
 * kernel's transpose; `Add` of a bias vector in one SIMD pass; `Tile` by block copies.
 */
export const FASTER_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropInputConfig,
  batchMatMulConfig,
  identityConfig,
  sumConfig,
  addConfig,
  tileConfig,
];

/** Options of {@link registerWasmTrainingKernels}. */
export interface RegisterOptions {
  /** Replace stock kernels that are correct but slow (default true). */
  readonly replaceSlowKernels?: boolean;
}

function registeredWasmKernel(kernelName: string): tf.KernelConfig | undefined {
  return tf.getKernel(kernelName, WASM_BACKEND) as tf.KernelConfig | undefined;
}

/** True when a kernel of that name is registered for the wasm backend. */
export function isWasmKernelRegistered(kernelName: string): boolean {
  return registeredWasmKernel(kernelName) !== undefined;
}

/** Installs `config` unless it is already the registered kernel of its name. */
function replaceKernel(config: tf.KernelConfig): boolean {
  const current = registeredWasmKernel(config.kernelName);
  if (current?.kernelFunc === config.kernelFunc) return false;
  if (current !== undefined) tf.unregisterKernel(config.kernelName, WASM_BACKEND);
  tf.registerKernel(config);
  return true;
}

/**
 * Registers the extra training kernels for the wasm backend. Idempotent: a missing
 * kernel is added only while no kernel of its name is registered (by an earlier call,
 * or natively by a newer tfjs-backend-wasm), and a replacement is installed only over a
 * kernel that is not already this module's. Safe before or after the wasm backend is
 * initialised (none of these kernels needs a setup step).
 *
 * @returns the names of the kernels this call registered (empty on repeated calls).
 */
export function registerWasmTrainingKernels(options: RegisterOptions = {}): string[] {
  const registered: string[] = [];
  for (const config of [...MISSING_WASM_KERNELS, ...FUSED_WASM_KERNELS]) {
    if (isWasmKernelRegistered(config.kernelName)) continue;
    tf.registerKernel(config);
    registered.push(config.kernelName);
  }
  const replacements = [...FIXED_WASM_KERNELS, ...(options.replaceSlowKernels === false ? [] : FASTER_WASM_KERNELS)];
  for (const config of replacements) {
    if (replaceKernel(config)) registered.push(config.kernelName);
  }
  return registered;
}
