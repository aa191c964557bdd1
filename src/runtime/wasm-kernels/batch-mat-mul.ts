/**
 * A faster `BatchMatMul` for the wasm backend. tfjs-backend-wasm 4.22 sends a product to
 * XNNPACK only when neither operand is transposed and both have a batch of one; every
 * other case runs a scalar triple loop, 5-10x slower. Training hits that loop on every
 * step: the gradients of a dense layer are `dy · Wᵀ` and `xᵀ · dy`.
 *
 * This kernel materializes the transposed operand with the backend's `Transpose` (linear
 * in the operand's size, against the product's cubic cost) and, when only the left
 * operand has a batch, folds that batch into its rows, so both cases reach XNNPACK
 * through the stock kernel. Products of two batched operands (attention's scores and
 * weighted values: many small matrices) run on the SIMD batch kernel (`simd/kernels.wat`)
 * instead of the stock scalar loop, 3-4x faster there.
 */
// The stock kernels must be registered before this module captures BatchMatMul.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type TensorInfo, captureStockKernel, replacementConfig, release, requireInput, runWasmKernel, view, wasmBackendOf } from './kernel-utils.js';
import { type SimdKernels, heapOffset, simdKernelsFor } from './simd/index.js';

const KERNEL = 'BatchMatMul';

/** Attributes of the `BatchMatMul` kernel. */
interface BatchMatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
}

const stock = captureStockKernel(KERNEL);

/** The last two dimensions of a rank >= 2 shape, and the product of the others. */
function matrixDims(shape: readonly number[], what: string): { batch: number; rows: number; cols: number } {
  if (shape.length < 2) throw new Error(`${KERNEL}: ${what} must have rank >= 2, got [${shape.join(',')}]`);
  const rows = shape[shape.length - 2] as number;
  const cols = shape[shape.length - 1] as number;
  return { batch: tf.util.sizeFromShape(shape.slice(0, -2)), rows, cols };
}

type Dims = ReturnType<typeof matrixDims>;

/** The product's dimensions: `[m, k] · [k, n]` per item, and the output's shape. */
interface Product {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly outShape: number[];
}

/** Each item of a batch transposed (`[batch, rows, cols]` to `[batch, cols, rows]`), in a new buffer the caller owns. */
function transposedItems(backend: ReturnType<typeof wasmBackendOf>, t: TensorInfo, d: Dims): TensorInfo {
  return runWasmKernel('Transpose', backend, { x: view(t, [d.batch, d.rows, d.cols]) }, { perm: [0, 2, 1] });
}

/**
 * Products of batched operands on the SIMD batch kernel, `left` and `right` already
 * untransposed: equal batches, or one side a single matrix (broadcast, step 0).
 */
function batchedProduct(backend: ReturnType<typeof wasmBackendOf>, simd: SimdKernels, [left, da]: [TensorInfo, Dims], [right, db]: [TensorInfo, Dims], { m, k, n, outShape }: Product): TensorInfo {
  const out = backend.makeOutput(outShape, 'float32');
  simd.batch_matmul(
    heapOffset(backend, left), heapOffset(backend, right), heapOffset(backend, out),
    Math.max(da.batch, db.batch), m, k, n, da.batch === 1 ? 0 : 4 * m * k, db.batch === 1 ? 0 : 4 * k * n,
  );
  return out;
}

/** Computes `a · b` (each optionally transposed) on the wasm backend (see module comment). */
export function batchMatMulWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const a = requireInput(args, 'a', KERNEL);
  const b = requireInput(args, 'b', KERNEL);
  const { transposeA = false, transposeB = false } = (args.attrs ?? {}) as BatchMatMulAttrs;
  const da = matrixDims(a.shape, 'a');
  const db = matrixDims(b.shape, 'b');
  const k = transposeA ? da.rows : da.cols;
  // Other dtypes, and mismatched inner dimensions (the stock kernel names the error).
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || k !== (transposeB ? db.cols : db.rows)) return stock.run(args);
  const foldable = db.batch === 1 && (da.batch === 1 || !transposeA);
  const sameOuter = da.batch === db.batch && a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join();
  const simd = foldable || !(sameOuter || da.batch === 1 || db.batch === 1) ? null : simdKernelsFor(backend);
  if (!foldable && !simd) return stock.run(args);
  const m = transposeA ? da.cols : da.rows;
  const n = transposeB ? db.rows : db.cols;
  const product: Product = { m, k, n, outShape: [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n] };

  const left = transposeA ? transposedItems(backend, a, da) : a;
  const right = transposeB ? transposedItems(backend, b, db) : b;
  const owned = [left, right].filter((t) => t !== a && t !== b);
  try {
    if (simd) return batchedProduct(backend, simd, [left, da], [right, db], product);
    const out = stock.run({
      inputs: { a: view(left, [1, da.batch * m, k]), b: view(right, [1, k, n]) },
      backend,
      attrs: { transposeA: false, transposeB: false },
    });
    return view(out, product.outShape);
  } finally {
    release(backend, ...owned);
  }
}

/** Kernel registration record for {@link batchMatMulWasm}. */
export const batchMatMulConfig: tf.KernelConfig = replacementConfig(stock, batchMatMulWasm);
