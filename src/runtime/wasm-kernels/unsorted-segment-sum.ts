/**
 * `UnsortedSegmentSum` for the wasm backend, which tfjs-backend-wasm 4.22 does not
 * register. tfjs uses it for the gradient of `gather` (embedding layers) and for
 * `tf.unsortedSegmentSum`.
 *
 * It is a scatter-add: rows of `x` are summed into the rows named by `segmentIds`, which
 * the backend's `ScatterNd` kernel does in one pass (duplicates accumulate). Ids outside
 * `[0, numSegments)` are dropped as in TensorFlow: `ScatterNd` does not bounds-check, so
 * the (small) id vector is checked first and any invalid id is routed to one spare row
 * that is cut off afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type KernelArgs,
  type TensorInfo,
  WASM_BACKEND,
  release,
  requireInput,
  runWasmKernel,
  view,
  wasmBackendOf,
  zeros,
} from './kernel-utils.js';

const KERNEL = 'UnsortedSegmentSum';

/** Attributes of the `UnsortedSegmentSum` kernel. */
interface UnsortedSegmentSumAttrs {
  numSegments: number;
}

/**
 * The wasm `ScatterNd` kernel does not bounds-check its indices, so ids outside
 * `[0, numSegments)` must never reach it. Returns `undefined` when every id is valid,
 * otherwise a copy in which each invalid id names the spare row `numSegments`.
 */
export function routeSegmentIds(ids: Int32Array, numSegments: number): Int32Array | undefined {
  let firstInvalid = -1;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (id < 0 || id >= numSegments) {
      firstInvalid = i;
      break;
    }
  }
  if (firstInvalid < 0) return undefined;
  const routed = ids.slice();
  for (let i = firstInvalid; i < routed.length; i++) {
    const id = routed[i] as number;
    if (id < 0 || id >= numSegments) routed[i] = numSegments;
  }
  return routed;
}

/** Computes the unsorted segment sum on the wasm backend (see module comment). */
export function unsortedSegmentSumWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const x = requireInput(args, 'x', KERNEL);
  const segmentIds = requireInput(args, 'segmentIds', KERNEL);
  const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`${KERNEL}: segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`${KERNEL} on wasm supports float32 and int32 values, got ${x.dtype}`);
  }
  const idsRank = segmentIds.shape.length;
  for (let i = 0; i < idsRank; i++) {
    if (segmentIds.shape[i] !== x.shape[i]) {
      throw new Error(
        `${KERNEL}: segmentIds shape [${segmentIds.shape.join(',')}] must be a prefix of x shape [${x.shape.join(',')}]`,
      );
    }
  }
  const innerShape = x.shape.slice(idsRank);
  const count = tf.util.sizeFromShape(segmentIds.shape);
  const outShape = [numSegments, ...innerShape];
  if (count === 0 || tf.util.sizeFromShape(outShape) === 0) return zeros(backend, outShape, x.dtype);

  const updates = view(x, [count, ...innerShape]);
  const routed = routeSegmentIds(backend.readSync(segmentIds.dataId) as Int32Array, numSegments);
  if (routed === undefined) {
    return runWasmKernel('ScatterNd', backend, { indices: view(segmentIds, [count, 1]), updates }, { shape: outShape });
  }

  const indices = backend.makeOutput([count, 1], 'int32', undefined, routed);
  const withSpare = runWasmKernel('ScatterNd', backend, { indices, updates }, { shape: [numSegments + 1, ...innerShape] });
  const out = runWasmKernel(
    'Slice',
    backend,
    { x: withSpare },
    { begin: outShape.map(() => 0), size: outShape },
  );
  release(backend, indices, withSpare);
  return out;
}

/** Kernel registration record for {@link unsortedSegmentSumWasm}. */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};
