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

const KERNEL = 'MaxPoolGrad';

/** Attributes of the `MaxPoolGrad` kernel. */
interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: DimRoundingMode;
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
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  // Allocate first: growing the heap would detach views taken before.
  const dx = backend.makeOutput([...input.shape], 'float32');
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  out.fill(0);

  const channels = inChannels;
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  let dyBase = 0;
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * inHeight;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - padTop;
      for (let ox = 0; ox < outWidth; ox++, dyBase += channels) {
        const x0 = ox * strideWidth - padLeft;
        best.fill(Number.NEGATIVE_INFINITY);
        bestAt.fill(-1);
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = y0 + fy * dilationHeight;
          if (iy < 0 || iy >= inHeight) continue;
          const rowBase = (batchBase + iy) * inWidth;
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = x0 + fx * dilationWidth;
            if (ix < 0 || ix >= inWidth) continue;
            const base = (rowBase + ix) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c] as number;
              if (v > (best[c] as number)) {
                best[c] = v;
                bestAt[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const at = bestAt[c] as number;
          if (at >= 0) out[at] = (out[at] as number) + (g[dyBase + c] as number);
        }
      }
    }
  }
  return dx;
}

/** Kernel registration record for {@link maxPoolGradWasm}. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
