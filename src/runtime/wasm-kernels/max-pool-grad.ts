/**
 * A correct `MaxPoolGrad` for the wasm backend, replacing the stock kernel of
 * tfjs-backend-wasm 4.22. That kernel seeds each window's running maximum with the
 * smallest positive float instead of the lowest one, so a pooling window whose inputs
 * are all negative (common after tanh/elu/selu/linear convolutions) loses its gradient,
 * and ties go to the last maximum where TensorFlow and the cpu backend pick the first.
 *
 * The gradient is routed in one pass over the input: for each output position, the
 * first maximum of its window (row-major, as the cpu backend and TensorFlow choose)
 * receives that position's `dy`. The loop reads and writes the backend's heap in place
 * (no copies); no existing wasm kernel computes first-maximum positions correctly
 * (`MaxPoolWithArgmax` shares the seeding bug).
 */
import * as tf from '@tensorflow/tfjs';
import {
  type DimRoundingMode,
  type KernelArgs,
  type PadAttr,
  type TensorInfo,
  WASM_BACKEND,
  assertFloat32,
  requireInput,
  shape4,
  wasmBackendOf,
} from './kernel-utils.js';
import { heapOffset, simdKernelsFor } from './simd/index.js';

const KERNEL = 'MaxPoolGrad';

/** Attributes of the `MaxPoolGrad` kernel. */
interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: DimRoundingMode;
}

/** The pooling window geometry, as `computePool2DInfo` gives it. */
type PoolGeometry = tf.backend_util.Conv2DInfo;

/**
 * Any window: per output position and channel, the first maximum of the window (NaN
 * never wins, as on the cpu backend) receives `dy`; overlapping windows accumulate.
 */
function routeWindows(x: Float32Array, g: Float32Array, out: Float32Array, p: PoolGeometry): void {
  const channels = p.inChannels;
  let dyBase = 0;
  for (let b = 0; b < p.batchSize; b++) {
    for (let oy = 0; oy < p.outHeight; oy++) {
      const y0 = oy * p.strideHeight - p.padInfo.top;
      for (let ox = 0; ox < p.outWidth; ox++, dyBase += channels) {
        const x0 = ox * p.strideWidth - p.padInfo.left;
        for (let c = 0; c < channels; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestAt = -1;
          for (let fy = 0; fy < p.filterHeight; fy++) {
            const iy = y0 + fy * p.dilationHeight;
            if (iy < 0 || iy >= p.inHeight) continue;
            const rowBase = (b * p.inHeight + iy) * p.inWidth;
            for (let fx = 0; fx < p.filterWidth; fx++) {
              const ix = x0 + fx * p.dilationWidth;
              if (ix < 0 || ix >= p.inWidth) continue;
              const at = (rowBase + ix) * channels + c;
              const v = x[at] as number;
              if (v > best) {
                best = v;
                bestAt = at;
              }
            }
          }
          if (bestAt >= 0) out[bestAt] = (out[bestAt] as number) + (g[dyBase + c] as number);
        }
      }
    }
  }
}

/**
 * 2x2 windows with stride 2 and no padding (every CNN block's pooling here): windows do
 * not overlap, so all four inputs of a window are written: `dy` to the first maximum, 0
 * to the others.
 */
function routePairs(x: Float32Array, g: Float32Array, out: Float32Array, p: PoolGeometry): void {
  const channels = p.inChannels;
  const rowStride = p.inWidth * channels;
  let dyAt = 0;
  for (let b = 0; b < p.batchSize; b++) {
    for (let oy = 0; oy < p.outHeight; oy++) {
      const rowBase = (b * p.inHeight + 2 * oy) * rowStride;
      for (let ox = 0; ox < p.outWidth; ox++) {
        const a0 = rowBase + 2 * ox * channels;
        for (let c = 0; c < channels; c++, dyAt++) {
          const i00 = a0 + c;
          const i01 = i00 + channels;
          const i10 = i00 + rowStride;
          const i11 = i10 + channels;
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          const v00 = x[i00] as number;
          if (v00 > best) { best = v00; at = i00; }
          const v01 = x[i01] as number;
          if (v01 > best) { best = v01; at = i01; }
          const v10 = x[i10] as number;
          if (v10 > best) { best = v10; at = i10; }
          const v11 = x[i11] as number;
          if (v11 > best) at = i11;
          out[i00] = 0;
          out[i01] = 0;
          out[i10] = 0;
          out[i11] = 0;
          if (at >= 0) out[at] = g[dyAt] as number;
        }
      }
    }
  }
}

/** Computes the max-pool input gradient on the wasm backend (see module comment). */
export function maxPoolGradWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const dy = requireInput(args, 'dy', KERNEL);
  const input = requireInput(args, 'input', KERNEL);
  const attrs = args.attrs as unknown as MaxPoolGradAttrs;
  assertFloat32(input, 'input', KERNEL);
  assertFloat32(dy, 'dy', KERNEL);
  const info = tf.backend_util.computePool2DInfo(
    shape4(input, 'input', KERNEL),
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  // Allocate first: growing the heap would detach views taken before.
  const dx = backend.makeOutput([...input.shape], 'float32');
  const covered = 2 * outHeight === inHeight && 2 * outWidth === inWidth;
  const pairs = filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && padTop === 0 && padLeft === 0 &&
    2 * outHeight <= inHeight && 2 * outWidth <= inWidth;
  const simd = pairs && inChannels % 4 === 0 ? simdKernelsFor(backend) : null;
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  // The pair routines write every input their windows cover; anything else starts at 0.
  if (!(pairs && covered)) out.fill(0);
  if (simd) {
    simd.max_pool_grad_2x2(heapOffset(backend, input), heapOffset(backend, dy), out.byteOffset, batchSize * outHeight, outHeight, outWidth, inHeight, inWidth, inChannels);
    return dx;
  }
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  if (pairs) routePairs(x, g, out, info);
  else routeWindows(x, g, out, info);
  return dx;
}

/** Kernel registration record for {@link maxPoolGradWasm}. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
