/**
 * `DepthwiseConv2dNativeBackpropInput` for the wasm backend (the input gradient of a
 * depthwise conv2d), which tfjs-backend-wasm 4.22 does not register.
 *
 * The input gradient is a transposed depthwise convolution. `dy` is first dilated by the
 * forward stride (zeros inserted between rows/columns with one `PadV2`), then correlated
 * with the spatially flipped filter as a depthwise conv2d over all `C*M` output channels
 * on the backend's `DepthwiseConv2dNative` kernel, and finally the `M` channels that came
 * from each input channel are summed.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type DimRoundingMode,
  type KernelArgs,
  type PadAttr,
  type TensorInfo,
  WASM_BACKEND,
  assertFloat32,
  pair,
  release,
  requireInput,
  runWasmKernel,
  shape4,
  view,
  wasmBackendOf,
  zeros,
} from './kernel-utils.js';
import { prepareTransposedInput } from './transposed-conv.js';

const KERNEL = 'DepthwiseConv2dNativeBackpropInput';

/** Attributes of the `DepthwiseConv2dNativeBackpropInput` kernel. */
interface DepthwiseBackpropInputAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: DimRoundingMode;
  inputShape: [number, number, number, number];
}

/** Computes the depthwise conv2d input gradient on the wasm backend (see module comment). */
export function depthwiseConv2dNativeBackpropInputWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const dy = requireInput(args, 'dy', KERNEL);
  const filter = requireInput(args, 'filter', KERNEL);
  const attrs = args.attrs as unknown as DepthwiseBackpropInputAttrs;
  assertFloat32(dy, 'dy', KERNEL);
  assertFloat32(filter, 'filter', KERNEL);
  const inputShape = attrs.inputShape;
  const [kh, kw, channels, multiplier] = shape4(filter, 'filter', KERNEL);
  const dilations = pair(attrs.dilations);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    [kh, kw, channels, multiplier],
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const [dilationHeight, dilationWidth] = dilations;
  const outChannels = channels * multiplier;
  if (batchSize * outHeight * outWidth * inHeight * inWidth === 0) {
    return zeros(backend, [...inputShape]);
  }
  shape4(dy, 'dy', KERNEL);
  const prepared = prepareTransposedInput(backend, dy, {
    batchSize,
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    strideHeight,
    strideWidth,
    effectiveFilterHeight: (kh - 1) * dilationHeight + 1,
    effectiveFilterWidth: (kw - 1) * dilationWidth + 1,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  });
  const owned = [...prepared.owned];

  // Correlate with the flipped filter, one output channel at a time (multiplier 1).
  const flipped = runWasmKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  owned.push(flipped);
  const dxAll = runWasmKernel(
    'DepthwiseConv2dNative',
    backend,
    { x: prepared.dy, filter: view(flipped, [kh, kw, outChannels, 1]) },
    { strides: [1, 1], dilations: [dilationHeight, dilationWidth], pad: prepared.pad },
  );
  release(backend, ...owned);
  if (multiplier === 1) return view(dxAll, [...inputShape]);

  // Sum the M channels that belong to each input channel.
  const dx = runWasmKernel(
    'Sum',
    backend,
    { x: view(dxAll, [batchSize, inHeight, inWidth, channels, multiplier]) },
    { axis: [4], keepDims: false },
  );
  release(backend, dxAll);
  return view(dx, [...inputShape]);
}

/** Kernel registration record for {@link depthwiseConv2dNativeBackpropInputWasm}. */
export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: depthwiseConv2dNativeBackpropInputWasm as unknown as tf.KernelFunc,
};
