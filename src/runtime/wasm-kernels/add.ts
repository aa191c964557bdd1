/**
 * A faster `Add` for the wasm backend when one operand is a bias: a vector added to every
 * position of the other along its last axis (each convolution's output under training,
 * where tfjs does not fuse the bias into the convolution). The stock kernel's general
 * broadcasting loop is several times slower than a SIMD pass. Any other addition keeps
 * the stock kernel.
 */
// The stock kernels must be registered before this module captures Add.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type TensorInfo, captureStockKernel, replacementConfig, requireInput, wasmBackendOf } from './kernel-utils.js';
import { heapOffset, simdKernelsFor } from './simd/index.js';

const KERNEL = 'Add';

const stock = captureStockKernel(KERNEL);

/** Whether `bias` is a vector along the last axis of `x` (any leading 1s) that broadcasts to `x`'s shape. */
function isBiasOf(bias: TensorInfo, x: TensorInfo): boolean {
  const width = bias.shape[bias.shape.length - 1];
  return (
    bias.shape.length >= 1 &&
    bias.shape.length <= x.shape.length &&
    width === x.shape[x.shape.length - 1] &&
    width !== undefined &&
    width > 0 &&
    tf.util.sizeFromShape(bias.shape) === width &&
    tf.util.sizeFromShape(x.shape) > width
  );
}

/** Computes `a + b` on the wasm backend (see module comment). */
export function addWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const a = requireInput(args, 'a', KERNEL);
  const b = requireInput(args, 'b', KERNEL);
  const [x, bias] = isBiasOf(b, a) ? [a, b] : isBiasOf(a, b) ? [b, a] : [undefined, undefined];
  const simd = x && bias && x.dtype === 'float32' && bias.dtype === 'float32' ? simdKernelsFor(backend) : null;
  if (!simd || !x || !bias) return stock.run(args);
  const width = bias.shape[bias.shape.length - 1] as number;
  const out = backend.makeOutput([...x.shape], 'float32');
  simd.add_bias(heapOffset(backend, x), heapOffset(backend, bias), heapOffset(backend, out), tf.util.sizeFromShape(x.shape) / width, width);
  return out;
}

/** Kernel registration record for {@link addWasm}. */
export const addConfig: tf.KernelConfig = replacementConfig(stock, addWasm);
