/**
 * modelsmith's SIMD kernels (`kernels.wat`), instantiated on the wasm backend's own
 * linear memory so they read and write tensors in place on its heap. Used by the training
 * kernels whose arithmetic no stock wasm kernel does well; each of them keeps a plain
 * JavaScript path for shapes these kernels do not take and for runtimes without SIMD.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SIMD_KERNELS_WASM } from './kernels-binary.js';

/** The exported functions; pointers are byte offsets into the backend's memory. */
export interface SimdKernels {
  /** 2x2/2 max-pool input gradient, NHWC, `channels % 4 === 0` (see kernels.wat). */
  max_pool_grad_2x2(x: number, dy: number, out: number, rows: number, outHeight: number, outWidth: number, inHeight: number, inWidth: number, channels: number): void;
  /** One Adam step over `n` floats with bias corrections folded into `stepSize` and `epsilon`. */
  adam_update(value: number, gradient: number, m: number, v: number, outValue: number, outM: number, outV: number, n: number, beta1: number, beta2: number, stepSize: number, epsilon: number): void;
  /** Column sums of a row-major `[rows, cols]` matrix into `out[cols]`. */
  sum_rows(x: number, out: number, rows: number, cols: number): void;
  /** The transposed patch matrix of an NHWC input, `[kh·kw·channels, batch·outH·outW]` (see kernels.wat). */
  patches_transposed(
    x: number, out: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number,
    kh: number, kw: number, strideHeight: number, strideWidth: number, dilationHeight: number, dilationWidth: number, padTop: number, padLeft: number,
  ): void;
  /** `out[r, c] = x[r, c] + bias[c]` over a row-major `[rows, cols]` matrix. */
  add_bias(x: number, bias: number, out: number, rows: number, cols: number): void;
  /** `out[i] = a[i] · b[i]` for a batch of small row-major matrices; steps are bytes between items (0 broadcasts). */
  batch_matmul(a: number, b: number, out: number, batch: number, m: number, k: number, n: number, aStep: number, bStep: number): void;
  /**
   * `out[i] = A[i] · b[i]` in 4x8 register tiles, `m >= 4`, `n >= 8`; `A[i]`'s element
   * `(r, p)` at `a + i·aStep + r·aRow + p·aCol` (bytes), so a transposed left operand is read in place.
   */
  gemm(a: number, b: number, out: number, batch: number, m: number, k: number, n: number, aStep: number, bStep: number, aRow: number, aCol: number): void;
  /** Each of a batch of row-major `[rows, cols]` matrices transposed into `out`. */
  transpose(x: number, out: number, batch: number, rows: number, cols: number): void;
}

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<BackendWasm, SimdKernels | null>();
let enabled = true;

/**
 * Turns the SIMD kernels off (or back on) for this thread, so that the kernels using
 * them take their plain JavaScript paths: for checking those paths, and for measuring
 * what SIMD buys.
 */
export function useSimdKernels(on: boolean): void {
  enabled = on;
}

function compile(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(SIMD_KERNELS_WASM, 'base64');
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled ?? null;
}

/** The backend's linear memory, where its tensors live. */
function memoryOf(backend: BackendWasm): WebAssembly.Memory | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** The kernels bound to this backend's memory, or `null` where SIMD or the memory is unavailable. */
export function simdKernelsFor(backend: BackendWasm): SimdKernels | null {
  if (!enabled) return null;
  let kernels = instances.get(backend);
  if (kernels === undefined) {
    const module = compile();
    const memory = memoryOf(backend);
    kernels = module && memory ? (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels) : null;
    instances.set(backend, kernels);
  }
  return kernels;
}

/** Byte offset of a tensor's data in the backend's memory. */
export function heapOffset(backend: BackendWasm, t: Parameters<BackendWasm['typedArrayFromHeap']>[0]): number {
  return backend.typedArrayFromHeap(t).byteOffset;
}
