/**
 * The fused Adam update (`ADAM_UPDATE_KERNEL`, defined with its formula in
 * `core/training/optimizers.ts`) for the wasm backend: one pass over the backend's heap
 * computes a variable's new moments and value, with SIMD where the runtime has it. tfjs's
 * Adam spends about twelve kernel calls per variable on the same arithmetic, and on wasm
 * each call's fixed cost is larger than a small layer's update.
 */
import type * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from '../../core/training/optimizers.js';
import { type KernelArgs, type TensorInfo, WASM_BACKEND, assertFloat32, requireInput, wasmBackendOf } from './kernel-utils.js';
import { heapOffset, simdKernelsFor } from './simd/index.js';

/** Computes one Adam step for one variable (see module comment); returns `[value, m, v]`. */
export function adamUpdateWasm(args: KernelArgs): TensorInfo[] {
  const backend = wasmBackendOf(args);
  const inputs = (['value', 'gradient', 'm', 'v'] as const).map((name) => {
    const t = requireInput(args, name, ADAM_UPDATE_KERNEL);
    assertFloat32(t, name, ADAM_UPDATE_KERNEL);
    return t;
  });
  const size = inputs[0]?.shape.reduce((a, b) => a * b, 1) ?? 0;
  for (const t of inputs) {
    if (t.shape.reduce((a, b) => a * b, 1) !== size) throw new Error(`${ADAM_UPDATE_KERNEL}: inputs differ in size`);
  }
  const { learningRate, beta1, beta2, epsilon, step } = args.attrs as unknown as AdamUpdateAttrs;
  const shape = [...(inputs[0] as TensorInfo).shape];
  // Allocate first: growing the heap would detach views taken before.
  const outputs = [backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32')];
  // value' = value − lr·(m'/c1)/(√(v'/c2) + ε) = value − (lr·√c2/c1)·m'/(√v' + ε·√c2): one
  // division and one square root per element instead of three and one.
  const root2 = Math.sqrt(1 - beta2 ** step);
  const stepSize = (learningRate * root2) / (1 - beta1 ** step);
  const shiftedEpsilon = epsilon * root2;
  const simd = simdKernelsFor(backend);
  if (simd) {
    const [value, gradient, m, v] = inputs.map((t) => heapOffset(backend, t)) as [number, number, number, number];
    const [nextValue, nextM, nextV] = outputs.map((t) => heapOffset(backend, t)) as [number, number, number];
    simd.adam_update(value, gradient, m, v, nextValue, nextM, nextV, size, beta1, beta2, stepSize, shiftedEpsilon);
    return outputs;
  }
  const [value, gradient, m, v] = inputs.map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [nextValue, nextM, nextV] = outputs.map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  const rest1 = 1 - beta1;
  const rest2 = 1 - beta2;
  for (let i = 0; i < size; i++) {
    const g = gradient[i] as number;
    const m1 = beta1 * (m[i] as number) + rest1 * g;
    const v1 = beta2 * (v[i] as number) + rest2 * g * g;
    nextM[i] = m1;
    nextV[i] = v1;
    nextValue[i] = (value[i] as number) - (stepSize * m1) / (Math.sqrt(v1) + shiftedEpsilon);
  }
  return outputs;
}

/** Kernel registration record for {@link adamUpdateWasm}. */
export const adamUpdateConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE_KERNEL,
  backendName: WASM_BACKEND,
  kernelFunc: adamUpdateWasm as unknown as tf.KernelFunc,
};
