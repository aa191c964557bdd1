/**
 * A copy-free `Identity` for the wasm backend. The engine clones every tensor it keeps
 * for a backward pass through this kernel, and tfjs-backend-wasm 4.22 copies the data
 * each time, so a training step copied each activation once more than it computed it.
 * Tensors on the wasm heap are never written after they are made (every kernel writes a
 * fresh output, and a variable's assignment swaps its data), so, as the cpu backend
 * does, the clone shares the data and takes a reference to it.
 */
import type * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type TensorInfo, WASM_BACKEND, requireInput, wasmBackendOf } from './kernel-utils.js';

const KERNEL = 'Identity';

/** Returns `x`'s data under a new reference (see module comment). */
export function identityWasm(args: KernelArgs): TensorInfo {
  const backend = wasmBackendOf(args);
  const x = requireInput(args, 'x', KERNEL);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** Kernel registration record for {@link identityWasm}. */
export const identityConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: identityWasm as unknown as tf.KernelFunc,
};
