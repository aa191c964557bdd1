/**
 * Geometry shared by the input-gradient kernels: an input gradient is a transposed
 * convolution, computed as a stride-1 correlation of the stride-dilated `dy` with the
 * spatially flipped filter. This module prepares that `dy` (zeros inserted between rows
 * and columns with one `PadV2`, rows no input pixel reads cropped off) and the padding
 * the correlation needs.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type ExplicitPadding, type TensorInfo, runWasmKernel, view } from './kernel-utils.js';

/** The forward convolution's geometry, as `computeConv2DInfo` reports it. */
export interface ForwardGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** Effective (dilated) filter size. */
  effectiveFilterHeight: number;
  effectiveFilterWidth: number;
  padTop: number;
  padLeft: number;
}

/** A stride-dilated, cropped `dy` ready for a valid-or-padded stride-1 correlation. */
export interface TransposedInput {
  /** NHWC `dy` to correlate (a view; owned buffers are in `owned`). */
  readonly dy: TensorInfo;
  /** Explicit padding for the stride-1 correlation so that it yields the input size. */
  readonly pad: ExplicitPadding;
  /** Intermediate buffers the caller releases once the correlation has run. */
  readonly owned: TensorInfo[];
}

/**
 * Padding (negative means "crop") before and after a dilated `dy` axis of length
 * `dilatedLength` so that a valid correlation with an effective filter size
 * `effectiveFilter` yields exactly `inSize` outputs.
 */
function transposedPads(inSize: number, effectiveFilter: number, forwardPadBefore: number, dilatedLength: number): [number, number] {
  const before = effectiveFilter - 1 - forwardPadBefore;
  const after = inSize + effectiveFilter - 1 - before - dilatedLength;
  return [before, after];
}

/** Prepares NHWC `dy` (`[batch, outH, outW, channels]`) for the transposed correlation. */
export function prepareTransposedInput(backend: BackendWasm, dy: TensorInfo, g: ForwardGeometry): TransposedInput {
  const channels = dy.shape[3] ?? 0;
  const owned: TensorInfo[] = [];
  let src = dy;
  let dilatedH = g.outHeight;
  let dilatedW = g.outWidth;
  if (g.strideHeight > 1 || g.strideWidth > 1) {
    // [B, oH, 1, oW, 1, C] padded to [B, oH, sH, oW, sW, C] is dy with zeros between.
    const padded = runWasmKernel(
      'PadV2',
      backend,
      { x: view(dy, [g.batchSize, g.outHeight, 1, g.outWidth, 1, channels]) },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, g.strideHeight - 1],
          [0, 0],
          [0, g.strideWidth - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    owned.push(padded);
    dilatedH = g.outHeight * g.strideHeight;
    dilatedW = g.outWidth * g.strideWidth;
    src = view(padded, [g.batchSize, dilatedH, dilatedW, channels]);
  }
  const [top, bottom] = transposedPads(g.inHeight, g.effectiveFilterHeight, g.padTop, dilatedH);
  const [left, right] = transposedPads(g.inWidth, g.effectiveFilterWidth, g.padLeft, dilatedW);
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    // Rows/columns that reach no input pixel (forward padding larger than the filter
    // reach, or trailing zeros from the dilation) are cut off.
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const cropped = runWasmKernel(
      'Slice',
      backend,
      { x: src },
      {
        begin: [0, cropTop, cropLeft, 0],
        size: [g.batchSize, dilatedH - cropTop - Math.max(0, -bottom), dilatedW - cropLeft - Math.max(0, -right), channels],
      },
    );
    owned.push(cropped);
    src = cropped;
  }
  return {
    dy: src,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
    owned,
  };
}
