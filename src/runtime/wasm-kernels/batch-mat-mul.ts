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
import { heapOffset, simdKernelsFor } from './simd/index.js';

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

/** A `[rows, cols]` matrix (batch one) transposed into a new buffer the caller owns. */
function transposed(backend: ReturnType<typeof wasmBackendOf>, t: TensorInfo, rows: number, cols: number): TensorInfo {
  return runWasmKernel('Transpose', backend, { x: view(t, [rows, cols]) }, { perm: [1, 0] });
}

type Dims = ReturnType<typeof matrixDims>;

/** Each item of a batch transposed (`[batch, rows, cols]` to `[batch, cols, rows]`), in a new buffer. */
function transposedItems(backend: ReturnType<typeof wasmBackendOf>, t: TensorInfo, d: Dims): TensorInfo {
  return runWasmKernel('Transpose', backend, { x: view(t, [d.batch, d.rows, d.cols]) }, { perm: [0, 2, 1] });
}

/**
 * Products of batched operands with the SIMD batch kernel: equal batches, or one side a
 * single matrix (broadcast). `undefined` for other broadcasts or without SIMD.
 */
function batchedProduct(args: KernelArgs, a: TensorInfo, b: TensorInfo, da: Dims, db: Dims, transposeA: boolean, transposeB: boolean): TensorInfo | undefined {
  const backend = wasmBackendOf(args);
  const sameOuter = da.batch === db.batch && a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join();
  if (!(sameOuter || da.batch === 1 || db.batch === 1)) return undefined;
  const simd = simdKernelsFor(backend);
  if (!simd) return undefined;
  const m = transposeA ? da.cols : da.rows;
  const k = transposeA ? da.rows : da.cols;
  const n = transposeB ? db.rows : db.cols;
  if (k !== (transposeB ? db.cols : db.rows)) return undefined;
  const outShape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  const out = backend.makeOutput(outShape, 'float32');
  const left = transposeA ? transposedItems(backend, a, da) : a;
  const right = transposeB ? transposedItems(backend, b, db) : b;
  simd.batch_matmul(
    heapOffset(backend, left), heapOffset(backend, right), heapOffset(backend, out),
    Math.max(da.batch, db.batch), m, k, n, da.batch === 1 ? 0 : 4 * m * k, db.batch === 1 ? 0 : 4 * k * n,
  );
  release(backend, ...[left, right].filter((t) => t !== a && t !== b));
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
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock.run(args);
  const foldable = db.batch === 1 && (da.batch === 1 || !transposeA);
  if (!foldable) return batchedProduct(args, a, b, da, db, transposeA, transposeB) ?? stock.run(args);
  const m = transposeA ? da.cols : da.rows;
  const k = transposeA ? da.rows : da.cols;
  const n = transposeB ? db.rows : db.cols;
  const kB = transposeB ? db.cols : db.rows;
  if (k !== kB) throw new Error(`${KERNEL}: inner dimensions ${k} and ${kB} of [${a.shape.join(',')}] and [${b.shape.join(',')}] differ`);
  const outShape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];

  const owned: TensorInfo[] = [];
  const left = transposeA ? transposed(backend, a, da.rows, da.cols) : a;
  const right = transposeB ? transposed(backend, b, db.rows, db.cols) : b;
  if (left !== a) owned.push(left);
  if (right !== b) owned.push(right);
  const product = stock.run({
    inputs: { a: view(left, [1, da.batch * m, k]), b: view(right, [1, k, n]) },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
  release(backend, ...owned);
  return view(product, outShape);
}

/** Kernel registration record for {@link batchMatMulWasm}. */
export const batchMatMulConfig: tf.KernelConfig = replacementConfig(stock, batchMatMulWasm);
