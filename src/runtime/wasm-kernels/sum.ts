/**
 * A faster `Sum` for the wasm backend when the reduced axes lead the shape: the gradient
 * of every bias (summing `[batch, ..., channels]` over all but the channels). The stock
 * kernel first transposes the reduced axes to the end, which on a convolution's
 * activations costs more than the sum; column sums over the rows in place (SIMD) need no
 * copy. Other reductions, and runtimes without SIMD, keep the stock kernel.
 */
// The stock kernels must be registered before this module captures Sum.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type TensorInfo, captureStockKernel, replacementConfig, requireInput, wasmBackendOf } from './kernel-utils.js';
import { heapOffset, simdKernelsFor } from './simd/index.js';

const KERNEL = 'Sum';

/** Attributes of the `Sum` kernel. */
interface SumAttrs {
  axis: number | number[];
  keepDims?: boolean;
}

const stock = captureStockKernel(KERNEL);

/** How many leading axes `axes` names, if it names exactly the leading axes; else 0. */
function leadingAxes(axes: readonly number[]): number {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  return sorted.every((axis, i) => axis === i) ? sorted.length : 0;
}

/** Sums `x` over `axis` on the wasm backend (see module comment). */
export function sumWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const x = requireInput(args, 'x', KERNEL);
  const { axis, keepDims = false } = args.attrs as unknown as SumAttrs;
  const reduced = leadingAxes(tf.util.parseAxisParam(axis, x.shape));
  const simd = reduced > 0 && x.dtype === 'float32' ? simdKernelsFor(backend) : null;
  if (!simd) return stock.run(args);
  const kept = x.shape.slice(reduced);
  const outShape = keepDims ? [...x.shape.slice(0, reduced).map(() => 1), ...kept] : kept;
  const out = backend.makeOutput(outShape, 'float32');
  simd.sum_rows(heapOffset(backend, x), heapOffset(backend, out), tf.util.sizeFromShape(x.shape.slice(0, reduced)), tf.util.sizeFromShape(kept));
  return out;
}

/** Kernel registration record for {@link sumWasm}. */
export const sumConfig: tf.KernelConfig = replacementConfig(stock, sumWasm);
