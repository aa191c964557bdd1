/**
 * Shared plumbing for the extra wasm training kernels: calling kernels that the wasm
 * backend already registers (so the heavy lifting runs in its compiled code), making
 * zero-copy reshaped views, and releasing intermediate buffers.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The name under which the wasm backend registers itself and its kernels. */
export const WASM_BACKEND = 'wasm';

/** A tensor as kernels see it: a data id, a shape and a dtype. */
export type TensorInfo = tf.TensorInfo;

/** Arguments every kernel function receives from the engine. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Explicit padding as tfjs spells it: `[[0, 0], [top, bottom], [left, right], [0, 0]]`. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** Padding attribute accepted by the 2D convolution kernels. */
export type PadAttr = 'valid' | 'same' | number | ExplicitPadding;

/** Rounding mode attribute accepted with a numeric `pad`. */
export type DimRoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** The wasm backend behind a kernel call. */
export function wasmBackendOf(args: KernelArgs): BackendWasm {
  return args.backend as BackendWasm;
}

/** Returns the input `name` of a kernel call, or throws a clear error when it is absent. */
export function requireInput(args: KernelArgs, name: string, kernelName: string): TensorInfo {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`${kernelName}: missing input '${name}'`);
  return t;
}

/** Throws unless `t` holds float32 values (the wasm convolution kernels support no other). */
export function assertFloat32(t: TensorInfo, what: string, kernelName: string): void {
  if (t.dtype !== 'float32') {
    throw new Error(`${kernelName} on wasm supports only float32 ${what}, got ${t.dtype}`);
  }
}

/**
 * Runs a kernel that the wasm backend has registered, directly (not through the engine),
 * and returns its single output. The caller owns the output and must release it with
 * {@link release} unless it is handed back to the engine.
 */
export function runWasmKernel(
  kernelName: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: object = {},
): TensorInfo {
  const config = tf.getKernel(kernelName, WASM_BACKEND) as tf.KernelConfig | undefined;
  if (config === undefined) {
    throw new Error(`Kernel '${kernelName}' not registered for backend '${WASM_BACKEND}'`);
  }
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) {
    const [first, ...rest] = out;
    release(backend, ...rest);
    if (first === undefined) throw new Error(`Kernel '${kernelName}' returned no output`);
    return first;
  }
  return out;
}

/**
 * A reshaped alias of `t` sharing its buffer. A view owns nothing: release the tensor it
 * was made from, not the view. Returning a view of an owned intermediate to the engine
 * hands that buffer over.
 */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  if (tf.util.sizeFromShape(shape) !== tf.util.sizeFromShape(t.shape)) {
    throw new Error(`view: cannot reshape [${t.shape.join(',')}] to [${shape.join(',')}]`);
  }
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Releases intermediate kernel outputs created with {@link runWasmKernel}. */
export function release(backend: BackendWasm, ...tensors: TensorInfo[]): void {
  for (const t of tensors) backend.disposeData(t.dataId);
}

/** A zero-filled tensor owned by the caller. */
export function zeros(backend: BackendWasm, shape: number[], dtype: tf.DataType = 'float32'): TensorInfo {
  return runWasmKernel('Fill', backend, {}, { shape, value: 0, dtype });
}

/** Normalises a `number | [number, number]` attribute to a pair. */
export function pair(value: number | readonly number[] | undefined, fallback = 1): [number, number] {
  if (value === undefined || value === null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  const [a, b] = value;
  return [a ?? fallback, b ?? a ?? fallback];
}

/**
 * The element `i` of a shape; throws on a missing dimension (keeps strict index checks
 * honest without sprinkling non-null assertions).
 */
export function dim(shape: readonly number[], i: number): number {
  const d = shape[i];
  if (d === undefined) throw new Error(`shape [${shape.join(',')}] has no dimension ${i}`);
  return d;
}

/** Shape `[a, b, c, d]` of a rank-4 tensor, checked. */
export function shape4(t: TensorInfo, what: string, kernelName: string): [number, number, number, number] {
  if (t.shape.length !== 4) {
    throw new Error(`${kernelName}: ${what} must be rank 4, got shape [${t.shape.join(',')}]`);
  }
  return [dim(t.shape, 0), dim(t.shape, 1), dim(t.shape, 2), dim(t.shape, 3)];
}

/** A stock wasm kernel, captured before this project replaces it. */
export interface StockKernel {
  readonly kernelName: string;
  /** Runs the stock kernel with the replacement's arguments. */
  run(args: KernelArgs): TensorInfo;
  readonly setupFunc?: tf.KernelConfig['setupFunc'];
}

/**
 * Captures the stock wasm kernel of `kernelName` (call at module load, after importing
 * `@tensorflow/tfjs-backend-wasm`, before any replacement is registered).
 */
export function captureStockKernel(kernelName: string): StockKernel {
  const config = tf.getKernel(kernelName, WASM_BACKEND) as tf.KernelConfig | undefined;
  if (config === undefined) throw new Error(`tfjs-backend-wasm registers no ${kernelName} kernel`);
  const { kernelFunc, setupFunc } = config;
  return {
    kernelName,
    run: (args) => kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo,
    ...(setupFunc ? { setupFunc } : {}),
  };
}

/**
 * The registration record of a replacement for a stock kernel. The stock kernel's setup
 * step (binding its wasm function when the backend initialises) is kept, since the
 * replacement falls back to it.
 */
export function replacementConfig(stock: StockKernel, kernelFunc: (args: KernelArgs) => TensorInfo): tf.KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: WASM_BACKEND,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    ...(stock.setupFunc ? { setupFunc: stock.setupFunc } : {}),
  };
}
