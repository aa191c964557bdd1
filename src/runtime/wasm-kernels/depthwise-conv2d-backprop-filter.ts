/**
 * `DepthwiseConv2dNativeBackpropFilter` for the wasm backend (the filter gradient of a
 * depthwise conv2d, used by depthwiseConv2d and separableConv2d layers), which
 * tfjs-backend-wasm 4.22 does not register.
 *
 * Per input channel c and multiplier m the gradient is a correlation of the input with
 * `dy`: `dW[ky,kx,c,m] = sum_{b,oy,ox} xPad[b, oy*s+ky*d, ox*s+kx*d, c] * dy[b,oy,ox,c*M+m]`.
 * Laying `x` out as one image with `batch*C` channels and `dy` as a `[outH, outW, batch*C, M]`
 * depthwise filter turns this into a single depthwise conv2d (stride = forward dilation,
 * dilation = forward stride) on the backend's `DepthwiseConv2dNative` kernel, followed by
 * a sum over the batch.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type DimRoundingMode,
  type KernelArgs,
  type PadAttr,
  type TensorInfo,
  WASM_BACKEND,
  assertFloat32,
  dim,
  pair,
  release,
  requireInput,
  runWasmKernel,
  shape4,
  view,
  wasmBackendOf,
  zeros,
} from './kernel-utils.js';

const KERNEL = 'DepthwiseConv2dNativeBackpropFilter';

/** Attributes of the `DepthwiseConv2dNativeBackpropFilter` kernel. */
interface DepthwiseBackpropFilterAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: DimRoundingMode;
  filterShape: [number, number, number, number];
}

/** Computes the depthwise conv2d filter gradient on the wasm backend (see module comment). */
export function depthwiseConv2dNativeBackpropFilterWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const x = requireInput(args, 'x', KERNEL);
  const dy = requireInput(args, 'dy', KERNEL);
  const attrs = args.attrs as unknown as DepthwiseBackpropFilterAttrs;
  assertFloat32(x, 'x', KERNEL);
  assertFloat32(dy, 'dy', KERNEL);
  const filterShape = attrs.filterShape;
  const [kh, kw, channels, multiplier] = filterShape;
  const dilations = pair(attrs.dilations);
  const info = tf.backend_util.computeConv2DInfo(
    shape4(x, 'x', KERNEL),
    filterShape,
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const [dilationHeight, dilationWidth] = dilations;
  if (batchSize * outHeight * outWidth === 0 || inHeight * inWidth === 0) {
    return zeros(backend, [...filterShape]);
  }
  shape4(dy, 'dy', KERNEL);

  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const padBottom = Math.max(
    0,
    (kh - 1) * dilationHeight + (outHeight - 1) * strideHeight + 1 - inHeight - padTop,
  );
  const padRight = Math.max(0, (kw - 1) * dilationWidth + (outWidth - 1) * strideWidth + 1 - inWidth - padLeft);
  const bc = batchSize * channels;

  // x [B, H, W, C] -> one image [1, H, W, B*C].
  const xT = runWasmKernel('Transpose', backend, { x }, { perm: [1, 2, 0, 3] });
  // dy [B, oH, oW, C*M] -> depthwise filter [oH, oW, B*C, M].
  const dyT = runWasmKernel(
    'Transpose',
    backend,
    { x: view(dy, [batchSize, outHeight, outWidth, channels * multiplier]) },
    { perm: [1, 2, 0, 3] },
  );
  const corr = runWasmKernel(
    'DepthwiseConv2dNative',
    backend,
    {
      x: view(xT, [1, inHeight, inWidth, bc]),
      filter: view(dyT, [outHeight, outWidth, bc, multiplier]),
    },
    {
      strides: [dilationHeight, dilationWidth],
      dilations: [strideHeight, strideWidth],
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
    },
  );
  release(backend, xT, dyT);

  let cropped = corr;
  if (dim(corr.shape, 1) !== kh || dim(corr.shape, 2) !== kw) {
    cropped = runWasmKernel('Slice', backend, { x: corr }, { begin: [0, 0, 0, 0], size: [1, kh, kw, bc * multiplier] });
    release(backend, corr);
  }
  if (batchSize === 1) return view(cropped, [...filterShape]);
  // [kh, kw, B, C*M] summed over the batch.
  const summed = runWasmKernel(
    'Sum',
    backend,
    { x: view(cropped, [kh, kw, batchSize, channels * multiplier]) },
    { axis: [2], keepDims: false },
  );
  release(backend, cropped);
  return view(summed, [...filterShape]);
}

/** Kernel registration record for {@link depthwiseConv2dNativeBackpropFilterWasm}. */
export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: depthwiseConv2dNativeBackpropFilterWasm as unknown as tf.KernelFunc,
};
