/**
 * A faster `Conv2DBackpropInput` (the gradient of a conv2d with respect to its input)
 * for the wasm backend. tfjs-backend-wasm 4.22 has this kernel, but measured on training
 * shapes it is 1.5-10x slower than expressing the transposed convolution through the
 * backend's XNNPACK-based `Conv2D`: `dy` dilated by the stride, correlated (stride 1)
 * with the filter flipped in space and with its channel axes swapped.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type DimRoundingMode,
  type KernelArgs,
  type PadAttr,
  type TensorInfo,
  WASM_BACKEND,
  assertFloat32,
  release,
  requireInput,
  runWasmKernel,
  shape4,
  wasmBackendOf,
  zeros,
} from './kernel-utils.js';
import { prepareTransposedInput } from './transposed-conv.js';

const KERNEL = 'Conv2DBackpropInput';

/** Attributes of the `Conv2DBackpropInput` kernel. */
interface Conv2DBackpropInputAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: DimRoundingMode;
  inputShape: [number, number, number, number];
}

/** Computes the conv2d input gradient on the wasm backend (see the module comment). */
export function conv2DBackpropInputWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const dyIn = requireInput(args, 'dy', KERNEL);
  const filter = requireInput(args, 'filter', KERNEL);
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  assertFloat32(dyIn, 'dy', KERNEL);
  assertFloat32(filter, 'filter', KERNEL);
  const channelsFirst = attrs.dataFormat === 'NCHW';
  const [kh, kw] = shape4(filter, 'filter', KERNEL);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    shape4(filter, 'filter', KERNEL),
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    channelsFirst ? 'channelsFirst' : 'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  if (batchSize * outHeight * outWidth * inHeight * inWidth * inChannels === 0) {
    return zeros(backend, [...attrs.inputShape]);
  }
  shape4(dyIn, 'dy', KERNEL);
  const owned: TensorInfo[] = [];
  // NCHW dy -> NHWC; the result is transposed back at the end.
  const dy = channelsFirst ? runWasmKernel('Transpose', backend, { x: dyIn }, { perm: [0, 2, 3, 1] }) : dyIn;
  if (channelsFirst) owned.push(dy);

  const prepared = prepareTransposedInput(backend, dy, {
    batchSize,
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    effectiveFilterHeight: kh,
    effectiveFilterWidth: kw,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  });
  owned.push(...prepared.owned);
  // [kh, kw, cin, cout] flipped in space -> [kh, kw, cout, cin]
  const flipped = runWasmKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const swapped = runWasmKernel('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] });
  owned.push(flipped, swapped);
  const dx = runWasmKernel(
    'Conv2D',
    backend,
    { x: prepared.dy, filter: swapped },
    { strides: [1, 1], dilations: [1, 1], pad: prepared.pad, dataFormat: 'NHWC' },
  );
  release(backend, ...owned);
  if (!channelsFirst) return dx;
  const dxT = runWasmKernel('Transpose', backend, { x: dx }, { perm: [0, 3, 1, 2] });
  release(backend, dx);
  return dxT;
}

/** Kernel registration record for {@link conv2DBackpropInputWasm}. */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
};
