/**
 * A faster `BatchMatMul` for the wasm backend. tfjs-backend-wasm 4.22 sends a product to
 * XNNPACK only when neither operand is transposed and both have a batch of one; every
 * other case runs a scalar triple loop, 5-10x slower. Training hits that loop on every
 * step: the gradients of a dense layer are `dy · Wᵀ` and `xᵀ · dy`, and attention
 * multiplies batches of small matrices.
 *
 * With modelsmith's SIMD module, every product of at least 4 rows and 8 columns runs on
 * its register-tiled `gemm` (`simd/kernels.wat`), which reads a transposed left operand in
 * place; a transposed right operand is first transposed into a scratch buffer (linear in
 * its size, against the product's cubic cost). Narrower products of batched operands run
 * on the module's batch kernel. Without SIMD, the transposed operand is materialized with
 * the backend's `Transpose` and, when only the left operand has a batch, that batch is
 * folded into its rows, so both cases reach XNNPACK through the stock kernel.
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

type Backend = ReturnType<typeof wasmBackendOf>;

/** The last two dimensions of a rank >= 2 shape, and the product of the others. */
function matrixDims(shape: readonly number[], what: string): { batch: number; rows: number; cols: number } {
  if (shape.length < 2) throw new Error(`${KERNEL}: ${what} must have rank >= 2, got [${shape.join(',')}]`);
  const rows = shape[shape.length - 2] as number;
  const cols = shape[shape.length - 1] as number;
  return { batch: tf.util.sizeFromShape(shape.slice(0, -2)), rows, cols };
}

type Dims = ReturnType<typeof matrixDims>;

/** One product: its operands as stored, their dimensions and transposition, and the result's size. */
interface Product {
  readonly a: TensorInfo;
  readonly b: TensorInfo;
  readonly da: Dims;
  readonly db: Dims;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** `op(a)` is m x k and `op(b)` k x n, per item. */
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly outShape: number[];
}

/** Smallest product the tiled `gemm` takes (its register tile). */
const TILE_ROWS = 4;
const TILE_COLS = 8;

/** Each item of a batch transposed (`[batch, rows, cols]` to `[batch, cols, rows]`), in a new buffer the caller owns. */
function transposedItems(backend: Backend, simd: SimdKernels | null, t: TensorInfo, d: Dims): TensorInfo {
  if (!simd) return runWasmKernel('Transpose', backend, { x: view(t, [d.batch, d.rows, d.cols]) }, { perm: [0, 2, 1] });
  const out = backend.makeOutput([d.batch, d.cols, d.rows], 'float32');
  simd.transpose(heapOffset(backend, t), heapOffset(backend, out), d.batch, d.rows, d.cols);
  return out;
}

/** Bytes between the items of a batched operand of `floats` per item; 0 for a single matrix (broadcast). */
function itemStep(d: Dims, floats: number): number {
  return d.batch === 1 ? 0 : 4 * floats;
}

/**
 * Runs `multiply` on the operands with those named in `untranspose` made untransposed
 * (when they are stored transposed), and releases the copies afterwards.
 */
function withOperands(
  backend: Backend,
  simd: SimdKernels | null,
  p: Product,
  untranspose: { readonly a: boolean; readonly b: boolean },
  multiply: (left: TensorInfo, right: TensorInfo) => TensorInfo,
): TensorInfo {
  const left = untranspose.a && p.transposeA ? transposedItems(backend, simd, p.a, p.da) : p.a;
  const right = untranspose.b && p.transposeB ? transposedItems(backend, simd, p.b, p.db) : p.b;
  try {
    return multiply(left, right);
  } finally {
    release(backend, ...[left, right].filter((t) => t !== p.a && t !== p.b));
  }
}

/**
 * `gemm` on the SIMD module: a left operand with a batch and a single right one is one
 * taller product; a transposed left operand is read through its strides.
 */
function tiledProduct(backend: Backend, simd: SimdKernels, p: Product): TensorInfo {
  const { da, db, m, k, n } = p;
  return withOperands(backend, simd, p, { a: false, b: true }, (left, right) => {
    const out = backend.makeOutput(p.outShape, 'float32');
    const fold = db.batch === 1 && !p.transposeA;
    const [aRow, aCol] = p.transposeA ? [4, 4 * m] : [4 * k, 4];
    simd.gemm(
      heapOffset(backend, left), heapOffset(backend, right), heapOffset(backend, out),
      fold ? 1 : Math.max(da.batch, db.batch), fold ? da.batch * m : m, k, n, itemStep(da, m * k), itemStep(db, k * n), aRow, aCol,
    );
    return out;
  });
}

/** The module's batch kernel for narrow products of batched operands, untransposed first. */
function batchedProduct(backend: Backend, simd: SimdKernels, p: Product): TensorInfo {
  return withOperands(backend, simd, p, { a: true, b: true }, (left, right) => {
    const out = backend.makeOutput(p.outShape, 'float32');
    simd.batch_matmul(
      heapOffset(backend, left), heapOffset(backend, right), heapOffset(backend, out),
      Math.max(p.da.batch, p.db.batch), p.m, p.k, p.n, itemStep(p.da, p.m * p.k), itemStep(p.db, p.k * p.n),
    );
    return out;
  });
}

/** XNNPACK through the stock kernel: untransposed operands, the left one's batch folded into its rows. */
function foldedStockProduct(backend: Backend, p: Product): TensorInfo {
  return withOperands(backend, null, p, { a: true, b: true }, (left, right) => {
    const out = stock.run({
      inputs: { a: view(left, [1, p.da.batch * p.m, p.k]), b: view(right, [1, p.k, p.n]) },
      backend,
      attrs: { transposeA: false, transposeB: false },
    });
    return view(out, p.outShape);
  });
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
  const sameOuter = da.batch === db.batch && a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join();
  // Batches the kernels here broadcast: equal outer shapes, or one side a single matrix.
  const broadcastable = sameOuter || da.batch === 1 || db.batch === 1;
  const foldable = db.batch === 1 && (da.batch === 1 || !transposeA);
  const simd = broadcastable ? simdKernelsFor(backend) : null;
  if (!simd && !foldable) return stock.run(args);
  const m = transposeA ? da.cols : da.rows;
  const n = transposeB ? db.rows : db.cols;
  const outShape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  const product: Product = { a, b, da, db, transposeA, transposeB, m, k, n, outShape };
  if (simd && m >= TILE_ROWS && n >= TILE_COLS && k > 0) return tiledProduct(backend, simd, product);
  if (simd && !foldable) return batchedProduct(backend, simd, product);
  return foldedStockProduct(backend, product);
}

/** Kernel registration record for {@link batchMatMulWasm}. */
export const batchMatMulConfig: tf.KernelConfig = replacementConfig(stock, batchMatMulWasm);
