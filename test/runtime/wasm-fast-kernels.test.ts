/**
 * The kernels that make wasm training fast — `BatchMatMul` with transposed or batched
 * operands, the copy-free `Identity`, leading-axis `Sum`, bias `Add`, `Tile`, the fused
 * Adam update, the fused cross-entropy, the 2x2 `MaxPoolGrad` and the patch-matrix `Conv2DBackpropFilter` — and
 * the reshape-and-sum `Tile` gradient, each checked against the
 * cpu backend on seeded inputs, with modelsmith's SIMD module and without it (their plain
 * JavaScript or stock-kernel paths); and the SIMD module checked against its text.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/core/training/losses.js';
import { FusedAdamOptimizer, createOptimizer, disposeOptimizer } from '../../src/core/training/optimizers.js';
import { tileGradient } from '../../src/runtime/gradients.js';
import { registerWasmTrainingKernels } from '../../src/runtime/wasm-kernels/index.js';
import { useSimdKernels } from '../../src/runtime/wasm-kernels/simd/index.js';
import { MODULE, assembleSimdKernels } from '../../scripts/simd-kernels.js';
import {
  type HostTensor,
  expectClose,
  expectKernelMatchesCpu,
  hostRandom,
  prepareBackends,
  randomInts,
  randomValues,
  runKernelOn,
  useBackend,
  wasmBufferCount,
} from './tf-compare.js';

beforeAll(async () => {
  await prepareBackends();
  registerWasmTrainingKernels();
});
afterEach(() => useSimdKernels(true));

/** Runs `body` once with the SIMD kernels and once without. */
function withAndWithoutSimd(body: (simd: boolean) => void): void {
  for (const simd of [true, false]) {
    describe(simd ? 'with SIMD' : 'without SIMD', () => {
      beforeAll(() => useSimdKernels(simd));
      afterEach(() => useSimdKernels(simd));
      body(simd);
    });
  }
}

describe('the SIMD module', () => {
  it('is what kernels.wat assembles to (run `npm run wasm`)', async () => {
    expect(readFileSync(MODULE, 'utf8')).toBe(await assembleSimdKernels());
  });
});

describe('BatchMatMul on wasm (tiled SIMD products, or XNNPACK without SIMD) matches cpu', () => {
  const cases: { a: number[]; b: number[]; tA?: boolean; tB?: boolean }[] = [
    { a: [5, 7], b: [7, 3] },
    // register tiles of 4x8: exact, and overlapping last tiles in rows and columns
    { a: [8, 16], b: [16, 16] },
    { a: [5, 9], b: [9, 13] },
    { a: [4, 1], b: [1, 8] },
    { a: [66, 3], b: [3, 130] },
    { a: [7, 130], b: [10, 130], tB: true },
    { a: [130, 6], b: [130, 11], tA: true },
    { a: [11, 6], b: [9, 11], tA: true, tB: true },
    { a: [3, 6, 5], b: [5, 9] },
    { a: [3, 5, 6], b: [5, 9], tA: true },
    { a: [6, 5], b: [3, 5, 9] },
    { a: [2, 3, 6, 5], b: [2, 3, 9, 5], tB: true },
    { a: [2, 5, 6], b: [1, 9, 5], tA: true, tB: true },
    { a: [64, 12], b: [17, 12], tB: true },
    { a: [12, 64], b: [12, 17], tA: true },
    { a: [9, 6], b: [11, 9], tA: true, tB: true },
    { a: [1, 6, 5], b: [1, 6, 4], tA: true },
    { a: [3, 4, 5], b: [5, 6] },
    { a: [2, 3, 4, 5], b: [1, 6, 5], tB: true },
    { a: [3, 4, 5], b: [3, 5, 2] },
    { a: [3, 5, 4], b: [3, 5, 2], tA: true },
    { a: [2, 5, 4], b: [5, 6], tA: true },
    { a: [64, 2, 16, 8], b: [64, 2, 16, 8], tB: true },
    { a: [64, 2, 16, 16], b: [64, 2, 16, 8], tA: true },
    { a: [5, 3, 7], b: [1, 7, 6] },
    { a: [1, 3, 7], b: [4, 7, 5] },
    { a: [2, 1, 3, 4], b: [1, 3, 4, 2] },
  ];
  withAndWithoutSimd(() => {
    for (const [i, c] of cases.entries()) {
      const label = `a [${c.a}]${c.tA ? 'ᵀ' : ''} · b [${c.b}]${c.tB ? 'ᵀ' : ''}`;
      it(label, async () => {
        await expectKernelMatchesCpu(
          'BatchMatMul',
          { a: hostRandom(c.a, 10 + i), b: hostRandom(c.b, 40 + i) },
          { transposeA: c.tA ?? false, transposeB: c.tB ?? false },
          label,
        );
      });
    }
  });
});

describe('Tile on wasm matches cpu', () => {
  const cases: { x: number[]; reps: number[]; int?: boolean }[] = [
    { x: [1, 1, 16], reps: [64, 16, 1] },
    { x: [64, 16, 1], reps: [1, 1, 16] },
    { x: [2, 3], reps: [3, 2] },
    { x: [5], reps: [7] },
    { x: [2, 1, 3, 2], reps: [2, 4, 1, 3] },
    { x: [3, 2], reps: [2, 70] },
    { x: [2, 3], reps: [2, 2], int: true },
  ];
  for (const [i, c] of cases.entries()) {
    const label = `x [${c.x}] reps [${c.reps}]${c.int ? ' int32' : ''}`;
    it(label, async () => {
      const size = tf.util.sizeFromShape(c.x);
      const x: HostTensor = c.int ? { shape: c.x, data: randomInts(size, 700 + i, -9, 9), dtype: 'int32' } : hostRandom(c.x, 700 + i);
      await expectKernelMatchesCpu('Tile', { x }, { reps: c.reps }, label);
    });
  }
});

describe('the Tile gradient (one reshape and sum)', () => {
  it('adds up dy over every repetition, as the stock gradient does', async () => {
    await useBackend('cpu');
    const cases: [number[], number[]][] = [[[1, 1, 4], [3, 5, 1]], [[2, 3], [2, 2]], [[3], [4]], [[2, 1, 2, 1], [1, 3, 2, 2]]];
    for (const [shape, reps] of cases) {
      const x = tf.tensor(randomValues(tf.util.sizeFromShape(shape), 7), shape);
      const dy = tf.tensor(randomValues(tf.util.sizeFromShape(shape) * reps.reduce((p, r) => p * r, 1), 8), shape.map((d, a) => d * (reps[a] as number)));
      const expected = tf.grad((t: tf.Tensor) => tf.tile(t, reps))(x, dy);
      const actual = tileGradient(dy, shape, reps);
      expect(actual.shape).toEqual(shape);
      expectClose(actual.dataSync(), expected.dataSync(), `tile [${shape}] x [${reps}]`);
      tf.dispose([x, dy, expected, actual]);
    }
  });
});

describe('Identity on wasm shares the data instead of copying it', () => {
  it('returns the same values, and each tensor keeps them until it is disposed', async () => {
    await useBackend('wasm');
    const before = wasmBufferCount();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const clone = tf.clone(x);
    expect(wasmBufferCount()).toBe(before + 1);
    x.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3, 4]);
    expect(wasmBufferCount()).toBe(before + 1);
    clone.dispose();
    expect(wasmBufferCount()).toBe(before);
  });

  it('matches cpu for float32 and int32 tensors', async () => {
    await expectKernelMatchesCpu('Identity', { x: hostRandom([3, 5], 1) }, {}, 'float32');
    await expectKernelMatchesCpu('Identity', { x: { shape: [7], data: randomInts(7, 2, -5, 5), dtype: 'int32' } }, {}, 'int32');
  });
});

describe('Sum on wasm matches cpu', () => {
  const cases: { x: number[]; axis: number | number[]; keepDims?: boolean; int?: boolean }[] = [
    { x: [64, 28, 28, 16], axis: [0, 1, 2] },
    { x: [37, 10], axis: 0 },
    { x: [37, 7], axis: [0], keepDims: true },
    { x: [5, 3, 6], axis: [1, 0] },
    { x: [300, 3], axis: [0, 1] },
    { x: [4, 5, 6], axis: -1 },
    { x: [4, 5, 6], axis: [0, 2] },
    { x: [9, 4], axis: 0, int: true },
  ];
  withAndWithoutSimd(() => {
    for (const [i, c] of cases.entries()) {
      const label = `x [${c.x}] axis ${JSON.stringify(c.axis)}${c.keepDims ? ' keepDims' : ''}${c.int ? ' int32' : ''}`;
      it(label, async () => {
        const size = tf.util.sizeFromShape(c.x);
        const x: HostTensor = c.int ? { shape: c.x, data: randomInts(size, 70 + i, -9, 9), dtype: 'int32' } : hostRandom(c.x, 70 + i);
        await expectKernelMatchesCpu('Sum', { x }, { axis: c.axis, keepDims: c.keepDims ?? false }, label);
      });
    }
  });
});

describe('Add on wasm matches cpu', () => {
  const cases: { a: number[]; b: number[] }[] = [
    { a: [64, 28, 28, 16], b: [16] },
    { a: [10, 7], b: [7] },
    { a: [3], b: [5, 2, 3] },
    { a: [6, 5], b: [1, 5] },
    { a: [4, 4], b: [4, 4] },
    { a: [4, 1], b: [4, 6] },
    { a: [2, 3, 4], b: [1, 1, 4] },
  ];
  withAndWithoutSimd(() => {
    for (const [i, c] of cases.entries()) {
      const label = `[${c.a}] + [${c.b}]`;
      it(label, async () => {
        await expectKernelMatchesCpu('Add', { a: hostRandom(c.a, 80 + i), b: hostRandom(c.b, 90 + i) }, {}, label);
      });
    }
  });
});

describe('MaxPoolGrad on wasm (2x2 pairs, SIMD and not) matches cpu', () => {
  const cases: { x: [number, number, number, number]; values?: 'ties' | 'negative' }[] = [
    { x: [2, 8, 8, 4] },
    { x: [3, 9, 7, 8] },
    { x: [2, 6, 6, 6] },
    { x: [2, 4, 6, 4], values: 'ties' },
    { x: [1, 6, 4, 8], values: 'negative' },
  ];
  withAndWithoutSimd(() => {
    for (const [i, c] of cases.entries()) {
      const label = `x ${c.x}${c.values ? ` (${c.values})` : ''}`;
      it(label, async () => {
        const size = tf.util.sizeFromShape(c.x);
        const data = c.values === 'ties' ? Float32Array.from(randomInts(size, 300 + i, -1, 1)) : randomValues(size, 300 + i);
        if (c.values === 'negative') for (let j = 0; j < size; j++) data[j] = -Math.abs(data[j] as number) - 0.01;
        const x: HostTensor = { shape: c.x, data, dtype: 'float32' };
        const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
        const y = await runKernelOn('cpu', 'MaxPool', { x }, attrs);
        await expectKernelMatchesCpu(
          'MaxPoolGrad',
          { dy: hostRandom(y.shape, 350 + i), input: x, output: { shape: y.shape, data: y.data, dtype: 'float32' } },
          attrs,
          label,
        );
      });
    }
  });
});

describe('Conv2DBackpropFilter on wasm (patch matrix and convolution paths) matches cpu', () => {
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; s: number | [number, number]; pad: 'same' | 'valid' | number }[] = [
    { x: [4, 28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' },
    { x: [4, 14, 14, 16], f: [3, 3, 16, 32], s: 1, pad: 'same' },
    { x: [2, 9, 8, 3], f: [5, 3, 3, 4], s: [2, 3], pad: 'same' },
    { x: [2, 7, 9, 2], f: [2, 4, 2, 3], s: 2, pad: 'valid' },
    { x: [1, 6, 5, 1], f: [3, 3, 1, 2], s: 1, pad: 2 },
  ];
  withAndWithoutSimd(() => {
    for (const [i, c] of cases.entries()) {
      const label = `x ${c.x} filter ${c.f} strides ${c.s} pad ${c.pad}`;
      it(label, async () => {
        const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad).outShape;
        await expectKernelMatchesCpu(
          'Conv2DBackpropFilter',
          { x: hostRandom(c.x, 400 + i), dy: hostRandom(dyShape, 450 + i) },
          { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f },
          label,
        );
      });
    }
  });
});

describe('the fused Adam optimizer on wasm matches tfjs Adam on cpu', () => {
  /** A small dense net's parameters after `steps` steps of `optimizer` on `backend`. */
  async function paramsAfter(backend: 'cpu' | 'wasm', optimizer: () => tf.Optimizer, steps: number): Promise<{ params: Float32Array[]; kind: string }> {
    await useBackend(backend);
    const shapes = [[6, 9], [9], [9, 3], [3], [4099]];
    const params = shapes.map((shape, i) => tf.tidy(() => tf.variable(tf.tensor(randomValues(tf.util.sizeFromShape(shape), 500 + i, 0.5), shape))));
    const x = tf.tensor(randomValues(40 * 6, 600), [40, 6]);
    const target = tf.tensor(randomValues(40 * 3, 601), [40, 3]);
    const opt = optimizer();
    try {
      const [w1, b1, w2, b2, extra] = params as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
      const loss = () =>
        tf.tidy(() =>
          tf.add(tf.losses.meanSquaredError(target, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)), tf.mean(tf.square(tf.sub(extra, 0.3)))),
        ) as tf.Scalar;
      for (let s = 0; s < steps; s++) tf.dispose(opt.minimize(loss, false, params) ?? []);
      return { params: params.map((p) => p.dataSync().slice() as Float32Array), kind: opt.constructor.name };
    } finally {
      disposeOptimizer(opt);
      tf.dispose([...params, x, target]);
    }
  }

  withAndWithoutSimd(() => {
    it('over 5 steps, every parameter (one of them not a multiple of 4 long), leaving no tensors behind', async () => {
      const cpu = await paramsAfter('cpu', () => tf.train.adam(0.01), 5);
      await useBackend('wasm');
      const tensorsBefore = tf.memory().numTensors;
      const wasm = await paramsAfter('wasm', () => createOptimizer('adam', 0.01), 5);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      expect(wasm.kind).toBe(FusedAdamOptimizer.name);
      expect(cpu.kind).not.toBe(FusedAdamOptimizer.name);
      for (const [i, p] of cpu.params.entries()) expectClose(wasm.params[i] ?? [], p, `parameter #${i}`, 1e-4, 1e-6);
    });
  });

  it('is tfjs Adam where the backend has no fused kernel', async () => {
    await useBackend('cpu');
    const opt = createOptimizer('adam', 0.01);
    expect(opt).toBeInstanceOf(tf.AdamOptimizer);
    disposeOptimizer(opt);
  });
});

describe('the fused cross-entropy on wasm matches the composed one on cpu', () => {
  /** Loss and gradient with respect to the probabilities, on `backend`. */
  async function lossAndGradient(backend: 'cpu' | 'wasm', p: HostTensor, labels: number[], classes: number): Promise<{ loss: number; grad: Float32Array }> {
    await useBackend(backend);
    return tf.tidy(() => {
      const probabilities = tf.tensor(p.data, p.shape);
      const y = tf.tensor1d(labels);
      const { value, grads } = tf.valueAndGrads((q: tf.Tensor) => crossEntropy(q, y, classes))([probabilities]);
      return { loss: value.dataSync()[0] as number, grad: (grads[0] as tf.Tensor).dataSync().slice() as Float32Array };
    });
  }

  /** Rows of probabilities (each row sums to 1) with some set to extreme values. */
  function probabilities(n: number, classes: number, seed: number, extremes = false): HostTensor {
    const raw = randomValues(n * classes, seed).map((v) => Math.exp(2 * v));
    for (let i = 0; i < n; i++) {
      const row = raw.subarray(i * classes, (i + 1) * classes);
      const total = row.reduce((a, b) => a + b, 0);
      row.forEach((v, j) => (row[j] = v / total));
    }
    if (extremes) {
      raw.set([1, 0, 0], 0);
      raw.set([0, 1, 0], classes);
      raw.set([1e-9, 1 - 1e-9, 0], 2 * classes);
    }
    return { shape: [n, classes], data: raw, dtype: 'float32' };
  }

  const cases: { label: string; n: number; classes: number; labels: (n: number) => number[]; extremes?: boolean }[] = [
    { label: '64 rows, 10 classes', n: 64, classes: 10, labels: (n) => Array.from({ length: n }, (_, i) => (i * 7) % 10) },
    { label: 'one row', n: 1, classes: 3, labels: () => [2] },
    { label: 'probabilities at and beyond the clipping bounds', n: 5, classes: 3, labels: () => [0, 0, 1, 2, 1], extremes: true },
    { label: 'labels outside the classes add nothing', n: 4, classes: 3, labels: () => [0, 3, -1, 2] },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.label, async () => {
      const p = probabilities(c.n, c.classes, 800 + i, c.extremes);
      const labels = c.labels(c.n);
      const cpu = await lossAndGradient('cpu', p, labels, c.classes);
      await useBackend('wasm');
      const tensorsBefore = tf.memory().numTensors;
      const wasm = await lossAndGradient('wasm', p, labels, c.classes);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      expect(Number.isFinite(cpu.loss)).toBe(true);
      expectClose([wasm.loss], [cpu.loss], `${c.label}: loss`);
      expectClose(wasm.grad, cpu.grad, `${c.label}: gradient`);
      expect(cpu.grad.some((g) => g !== 0)).toBe(true);
    });
  }

  it('is the kernel the wasm backend runs (the composed loss elsewhere)', async () => {
    await useBackend('wasm');
    const kernels: string[] = [];
    const { kernelNames } = await tf.profile(() => crossEntropy(tf.tensor([[0.2, 0.8]]), tf.tensor1d([1]), 2));
    kernels.push(...kernelNames);
    expect(kernels).toContain('ModelsmithCrossEntropy');
    await useBackend('cpu');
    const composed = await tf.profile(() => crossEntropy(tf.tensor([[0.2, 0.8]]), tf.tensor1d([1]), 2));
    expect(composed.kernelNames).not.toContain('ModelsmithCrossEntropy');
  });
});
