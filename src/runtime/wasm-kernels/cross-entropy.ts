/**
 * The fused cross-entropy loss and its gradient (`CROSS_ENTROPY_KERNEL` and
 * `CROSS_ENTROPY_GRAD_KERNEL`, defined in `core/training/losses.ts`) for the wasm backend:
 * one pass over the batch's probabilities on the backend's heap each, where the composed
 * loss costs about twenty kernel calls. Labels outside `[0, classes)` add nothing, as with
 * the composed loss's one-hot encoding.
 */
import type * as tf from '@tensorflow/tfjs';
import { CLIP, CROSS_ENTROPY_GRAD_KERNEL, CROSS_ENTROPY_KERNEL } from '../../core/training/losses.js';
import { type KernelArgs, type TensorInfo, WASM_BACKEND, assertFloat32, requireInput, wasmBackendOf } from './kernel-utils.js';

// The clipping bounds as float32 values, as the composed loss compares them.
const LOW = Math.fround(CLIP);
const HIGH = Math.fround(1 - CLIP);

/** The probabilities `[n, classes]` and labels `[n]` of a call, checked. */
function operands(args: KernelArgs, kernel: string): { p: TensorInfo; labels: TensorInfo; n: number; classes: number } {
  const p = requireInput(args, 'probabilities', kernel);
  const labels = requireInput(args, 'labels', kernel);
  assertFloat32(p, 'probabilities', kernel);
  assertFloat32(labels, 'labels', kernel);
  const [n, classes] = p.shape;
  if (p.shape.length !== 2 || n === undefined || classes === undefined || labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new Error(`${kernel}: needs probabilities [n, classes] and labels [n], got [${p.shape.join(',')}] and [${labels.shape.join(',')}]`);
  }
  return { p, labels, n, classes };
}

/** The heap index of row `i`'s label probability, or -1 for a label outside the classes. */
function labelAt(labels: Float32Array, i: number, classes: number): number {
  const label = labels[i] as number;
  return Number.isInteger(label) && label >= 0 && label < classes ? i * classes + label : -1;
}

/** The mean cross-entropy of the batch (see module comment). */
export function crossEntropyWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const { p, labels, n, classes } = operands(args, CROSS_ENTROPY_KERNEL);
  const out = backend.makeOutput([], 'float32');
  const probabilities = backend.typedArrayFromHeap(p) as Float32Array;
  const y = backend.typedArrayFromHeap(labels) as Float32Array;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const at = labelAt(y, i, classes);
    if (at >= 0) sum -= Math.log(Math.min(HIGH, Math.max(LOW, probabilities[at] as number)));
  }
  (backend.typedArrayFromHeap(out) as Float32Array)[0] = n > 0 ? sum / n : Number.NaN;
  return out;
}

/** The gradient of {@link crossEntropyWasm} with respect to the probabilities. */
export function crossEntropyGradWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const { p, labels, n, classes } = operands(args, CROSS_ENTROPY_GRAD_KERNEL);
  const dyInfo = requireInput(args, 'dy', CROSS_ENTROPY_GRAD_KERNEL);
  const out = backend.makeOutput([n, classes], 'float32');
  const probabilities = backend.typedArrayFromHeap(p) as Float32Array;
  const y = backend.typedArrayFromHeap(labels) as Float32Array;
  const dy = (backend.typedArrayFromHeap(dyInfo) as Float32Array)[0] as number;
  const grad = backend.typedArrayFromHeap(out) as Float32Array;
  grad.fill(0);
  for (let i = 0; i < n; i++) {
    const at = labelAt(y, i, classes);
    if (at < 0) continue;
    const value = probabilities[at] as number;
    if (value >= LOW && value <= HIGH) grad[at] = -dy / (n * value);
  }
  return out;
}

/** Kernel registration records of the fused loss and its gradient. */
export const crossEntropyConfigs: readonly tf.KernelConfig[] = [
  { kernelName: CROSS_ENTROPY_KERNEL, backendName: WASM_BACKEND, kernelFunc: crossEntropyWasm as unknown as tf.KernelFunc },
  { kernelName: CROSS_ENTROPY_GRAD_KERNEL, backendName: WASM_BACKEND, kernelFunc: crossEntropyGradWasm as unknown as tf.KernelFunc },
];
