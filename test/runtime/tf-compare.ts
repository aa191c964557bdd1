/**
 * Helpers for tests that run the same computation on the wasm and cpu tfjs backends and
 * compare the results: backend switching, seeded data, and tolerance checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { createRng } from '../../src/core/random.js';

/** The two backends under comparison. */
export type TestBackend = 'cpu' | 'wasm';

/** Initialises both backends once; registering the extra wasm kernels is left to tests. */
export async function prepareBackends(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('PROD', true); // silences the "install tfjs-node" banner of the cpu backend
  for (const name of ['cpu', 'wasm'] as const) await useBackend(name);
}

/** Makes `name` the active backend (cheap once it has been initialised). */
export async function useBackend(name: TestBackend): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

/** Number of buffers the wasm backend holds (to detect leaked intermediates). */
export function wasmBufferCount(): number {
  const backend = tf.findBackend('wasm') as BackendWasm | null;
  if (backend === null) throw new Error('wasm backend not initialised');
  return backend.numDataIds();
}

/** Seeded uniform values in [-scale, scale), reproducible on every machine. */
export function randomValues(size: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed, 'wasm-kernel-test');
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}

/** Seeded integers in [low, high]. */
export function randomInts(size: number, seed: number, low: number, high: number): Int32Array {
  const rng = createRng(seed, 'wasm-kernel-test-ints');
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.int(low, high);
  return out;
}

/** A plain description of a tensor that can be re-created on any backend. */
export interface HostTensor {
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
  readonly dtype: 'float32' | 'int32';
}

/** A seeded float32 host tensor. */
export function hostRandom(shape: number[], seed: number, scale = 1): HostTensor {
  return { shape, data: randomValues(tf.util.sizeFromShape(shape), seed, scale), dtype: 'float32' };
}

/** Runs one kernel through the engine on `backend` and returns its output on the host. */
export async function runKernelOn(
  backend: TestBackend,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
): Promise<{ shape: number[]; data: Float32Array | Int32Array }> {
  await useBackend(backend);
  return tf.tidy(() => {
    const tensors: tf.NamedTensorMap = {};
    for (const [name, t] of Object.entries(inputs)) tensors[name] = tf.tensor(t.data, t.shape, t.dtype);
    const out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, data: out.dataSync().slice() as Float32Array | Int32Array };
  });
}

/** Largest absolute value (0 for an empty array). */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}

/**
 * Whether `actual` matches `expected` element-wise within `rtol` relative to the largest
 * expected magnitude plus `atol`; returns a description of the worst element otherwise.
 */
export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-4,
  atol = 1e-6,
): { ok: boolean; detail: string } {
  if (actual.length !== expected.length) {
    return { ok: false, detail: `length ${actual.length} != expected ${expected.length}` };
  }
  const bound = rtol * maxAbs(expected) + atol;
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const diff = Number.isFinite(a) && Number.isFinite(e) ? Math.abs(a - e) : Number.POSITIVE_INFINITY;
    if (diff > worst || worstAt < 0) {
      worst = diff;
      worstAt = i;
    }
  }
  const ok = worst <= bound;
  const detail =
    worstAt < 0
      ? 'empty'
      : `max |diff| ${worst.toExponential(3)} at ${worstAt} (actual ${actual[worstAt]}, expected ${expected[worstAt]}), bound ${bound.toExponential(3)}`;
  return { ok, detail };
}

/** Asserts {@link compare} passes; the message names `label` and the worst element. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  rtol = 1e-4,
  atol = 1e-6,
): void {
  const { ok, detail } = compare(actual, expected, rtol, atol);
  expect(ok, `${label}: ${detail}`).toBe(true);
}

/** Runs a kernel on both backends, checks the wasm result and that wasm leaked nothing. */
export async function expectKernelMatchesCpu(
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
  label: string,
): Promise<void> {
  const expected = await runKernelOn('cpu', kernelName, inputs, attrs);
  await useBackend('wasm');
  const buffersBefore = wasmBufferCount();
  const actual = await runKernelOn('wasm', kernelName, inputs, attrs);
  expect(wasmBufferCount(), `${label}: wasm buffers leaked`).toBe(buffersBefore);
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  expectClose(actual.data, expected.data, label);
}
