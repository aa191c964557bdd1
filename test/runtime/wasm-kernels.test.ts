/**
 * Checks the training kernels added to (or replaced in) the wasm backend against the
 * reference `cpu` backend: each kernel on seeded random inputs of many shapes, then one
 * training step's gradients, optimizer updates and `model.fit` runs for every model
 * family modelsmith trains.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CROSS_ENTROPY_GRAD_KERNEL, CROSS_ENTROPY_KERNEL } from '../../src/core/training/losses.js';
import { ADAM_UPDATE_KERNEL } from '../../src/core/training/optimizers.js';
import { routeSegmentIds } from '../../src/runtime/wasm-kernels/unsorted-segment-sum.js';
import {
  FASTER_WASM_KERNELS,
  FIXED_WASM_KERNELS,
  FUSED_WASM_KERNELS,
  MISSING_WASM_KERNELS,
  conv2DBackpropInputWasm,
  isWasmKernelRegistered,
  maxPoolGradWasm,
  registerWasmTrainingKernels,
} from '../../src/runtime/wasm-kernels/index.js';
import {
  type HostTensor,
  type TestBackend,
  compare,
  expectClose,
  expectKernelMatchesCpu,
  hostRandom,
  prepareBackends,
  randomInts,
  randomValues,
  runKernelOn,
  useBackend,
} from './tf-compare.js';

const FUSED = [ADAM_UPDATE_KERNEL, CROSS_ENTROPY_KERNEL, CROSS_ENTROPY_GRAD_KERNEL];
const FASTER = ['Conv2DBackpropInput', 'BatchMatMul', 'Identity', 'Sum', 'Add', 'Tile'];

const ADDED_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
];

let missingBeforeRegistration: string[] = [];
let stockMaxPoolGrad: tf.KernelConfig | undefined;
let firstRegistration: string[] = [];

beforeAll(async () => {
  await prepareBackends();
  missingBeforeRegistration = ADDED_KERNELS.filter((name) => !isWasmKernelRegistered(name));
  stockMaxPoolGrad = { ...(tf.getKernel('MaxPoolGrad', 'wasm') as tf.KernelConfig) };
  firstRegistration = registerWasmTrainingKernels();
});

/** Output shape of a forward conv (regular or depthwise) for building `dy`. */
function convOutShape(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: unknown,
  depthwise: boolean,
  dilations: number | [number, number] = 1,
  dataFormat: 'channelsLast' | 'channelsFirst' = 'channelsLast',
): number[] {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations,
    pad as 'same',
    undefined,
    depthwise,
    dataFormat,
  ).outShape;
}

describe('registerWasmTrainingKernels', () => {
  it('adds exactly the kernels tfjs-backend-wasm lacks and its own fused one, and replaces the stock ones it should, once', () => {
    expect(missingBeforeRegistration).toEqual(ADDED_KERNELS);
    expect(MISSING_WASM_KERNELS.map((k) => k.kernelName)).toEqual(ADDED_KERNELS);
    expect(FIXED_WASM_KERNELS.map((k) => k.kernelName)).toEqual(['MaxPoolGrad']);
    expect(FUSED_WASM_KERNELS.map((k) => k.kernelName)).toEqual(FUSED);
    expect(FASTER_WASM_KERNELS.map((k) => k.kernelName)).toEqual(FASTER);
    expect(firstRegistration).toEqual([...ADDED_KERNELS, ...FUSED, 'MaxPoolGrad', ...FASTER]);
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(registerWasmTrainingKernels({ replaceSlowKernels: false })).toEqual([]);
    expect(isWasmKernelRegistered(ADAM_UPDATE_KERNEL)).toBe(true);
    for (const name of ADDED_KERNELS) expect(isWasmKernelRegistered(name)).toBe(true);
    expect((tf.getKernel('MaxPoolGrad', 'wasm') as tf.KernelConfig).kernelFunc).toBe(maxPoolGradWasm);
    expect((tf.getKernel('Conv2DBackpropInput', 'wasm') as tf.KernelConfig).kernelFunc).toBe(conv2DBackpropInputWasm);
  });
});

describe('comparison helper', () => {
  it('rejects a result that is off by more than the tolerance', () => {
    const expected = randomValues(50, 1);
    const wrong = expected.slice();
    wrong[17] = (wrong[17] as number) + 1e-3;
    expect(compare(wrong, expected).ok).toBe(false);
    expect(compare(expected.slice(0, 49), expected).ok).toBe(false);
    const nan = expected.slice();
    nan[3] = Number.NaN;
    expect(compare(nan, expected).ok).toBe(false);
    expect(compare(expected.slice(), expected).ok).toBe(true);
  });
});

type Conv4 = [number, number, number, number];
type PadCase = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const convCases: { x: Conv4; f: Conv4; s: number | [number, number]; pad: PadCase; nchw?: boolean }[] = [
    { x: [1, 5, 5, 1], f: [3, 3, 1, 1], s: 1, pad: 'same' },
    { x: [2, 7, 6, 3], f: [2, 4, 3, 5], s: 1, pad: 'same' },
    { x: [3, 9, 8, 2], f: [7, 7, 2, 4], s: 1, pad: 'same' },
    { x: [2, 8, 8, 3], f: [1, 1, 3, 2], s: 1, pad: 'same' },
    { x: [2, 11, 10, 2], f: [5, 6, 2, 3], s: 1, pad: 'same' },
    { x: [2, 7, 7, 4], f: [3, 3, 4, 6], s: 1, pad: 'valid' },
    { x: [2, 9, 7, 2], f: [3, 2, 2, 3], s: 2, pad: 'same' },
    { x: [1, 10, 11, 2], f: [5, 3, 2, 2], s: [2, 3], pad: 'valid' },
    { x: [2, 6, 7, 2], f: [3, 3, 2, 2], s: 1, pad: 1 },
    { x: [2, 6, 7, 2], f: [3, 4, 2, 3], s: 1, pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
    { x: [2, 3, 6, 5], f: [3, 3, 3, 2], s: 1, pad: 'same', nchw: true },
    { x: [4, 12, 12, 8], f: [3, 3, 8, 16], s: 1, pad: 'same' },
    { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: 1, pad: 4 },
];

const convLabel = (c: (typeof convCases)[number]): string =>
  `x ${c.x} filter ${c.f} strides ${c.s} pad ${JSON.stringify(c.pad)}${c.nchw ? ' NCHW' : ''}`;

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  for (const [i, c] of convCases.entries()) {
    it(convLabel(c), async () => {
      const dyShape = convOutShape(c.x, c.f, c.s, c.pad, false, 1, c.nchw ? 'channelsFirst' : 'channelsLast');
      await expectKernelMatchesCpu(
        'Conv2DBackpropFilter',
        { x: hostRandom(c.x, 100 + i), dy: hostRandom(dyShape, 200 + i) },
        { strides: c.s, pad: c.pad, dataFormat: c.nchw ? 'NCHW' : 'NHWC', filterShape: c.f },
        convLabel(c),
      );
    });
  }
});

describe('Conv2DBackpropInput on wasm (faster replacement) matches cpu', () => {
  for (const [i, c] of convCases.entries()) {
    it(convLabel(c), async () => {
      const dyShape = convOutShape(c.x, c.f, c.s, c.pad, false, 1, c.nchw ? 'channelsFirst' : 'channelsLast');
      await expectKernelMatchesCpu(
        'Conv2DBackpropInput',
        { dy: hostRandom(dyShape, 250 + i), filter: hostRandom(c.f, 260 + i) },
        { strides: c.s, pad: c.pad, dataFormat: c.nchw ? 'NCHW' : 'NHWC', inputShape: c.x },
        convLabel(c),
      );
    });
  }
});

const depthwiseCases: { x: Conv4; f: Conv4; s: number | [number, number]; pad: PadCase }[] = [
  { x: [1, 5, 5, 1], f: [3, 3, 1, 1], s: 1, pad: 'same' },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 2], s: 1, pad: 'same' },
  { x: [2, 8, 7, 2], f: [2, 4, 2, 1], s: 1, pad: 'same' },
  { x: [3, 9, 9, 4], f: [5, 5, 4, 3], s: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [7, 7, 3, 1], s: 1, pad: 'same' },
  { x: [2, 9, 8, 3], f: [3, 3, 3, 2], s: 2, pad: 'same' },
  { x: [2, 10, 9, 2], f: [3, 2, 2, 1], s: [2, 3], pad: 'valid' },
  { x: [1, 11, 10, 2], f: [4, 3, 2, 2], s: 3, pad: 'same' },
  { x: [2, 6, 7, 2], f: [3, 3, 2, 2], s: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  { x: [2, 6, 6, 2], f: [3, 3, 2, 1], s: 2, pad: 4 },
  { x: [4, 12, 12, 16], f: [3, 3, 16, 1], s: 1, pad: 'same' },
];

describe('DepthwiseConv2dNativeBackpropFilter on wasm matches cpu', () => {
  for (const [i, c] of depthwiseCases.entries()) {
    const label = `x ${c.x} filter ${c.f} strides ${c.s} pad ${JSON.stringify(c.pad)}`;
    it(label, async () => {
      const dyShape = convOutShape(c.x, c.f, c.s, c.pad, true);
      await expectKernelMatchesCpu(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: hostRandom(c.x, 300 + i), dy: hostRandom(dyShape, 400 + i) },
        { strides: c.s, dilations: 1, pad: c.pad, filterShape: c.f },
        label,
      );
    });
  }
});

describe('DepthwiseConv2dNativeBackpropInput on wasm matches cpu', () => {
  for (const [i, c] of depthwiseCases.entries()) {
    const label = `x ${c.x} filter ${c.f} strides ${c.s} pad ${JSON.stringify(c.pad)}`;
    it(label, async () => {
      const dyShape = convOutShape(c.x, c.f, c.s, c.pad, true);
      await expectKernelMatchesCpu(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: hostRandom(dyShape, 500 + i), filter: hostRandom(c.f, 600 + i) },
        { strides: c.s, dilations: 1, pad: c.pad, inputShape: c.x },
        label,
      );
    });
  }
});

/**
 * Direct-loop reference for dilated depthwise gradients: the cpu backend ignores
 * dilations in these kernels, so it cannot serve as the reference there.
 */
function depthwiseGradsReference(
  x: HostTensor,
  w: HostTensor,
  dy: HostTensor,
  stride: number,
  dilation: number,
  padTop: number,
  padLeft: number,
): { dx: Float32Array; dw: Float32Array } {
  const [b, h, wd, c] = x.shape as Conv4;
  const [kh, kw, , m] = w.shape as Conv4;
  const [, oh, ow] = dy.shape as Conv4;
  const dx = new Float32Array(x.data.length);
  const dw = new Float32Array(w.data.length);
  for (let n = 0; n < b; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride + ky * dilation - padTop;
            const ix = ox * stride + kx * dilation - padLeft;
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
            for (let ci = 0; ci < c; ci++)
              for (let q = 0; q < m; q++) {
                const g = dy.data[((n * oh + oy) * ow + ox) * c * m + ci * m + q] as number;
                const xi = ((n * h + iy) * wd + ix) * c + ci;
                const wi = ((ky * kw + kx) * c + ci) * m + q;
                dw[wi] = (dw[wi] as number) + g * (x.data[xi] as number);
                dx[xi] = (dx[xi] as number) + g * (w.data[wi] as number);
              }
          }
  return { dx, dw };
}

describe('dilated depthwise gradients on wasm match a direct-loop reference', () => {
  const cases: { x: Conv4; f: Conv4; s: number; d: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 9, 8, 3], f: [3, 3, 3, 2], s: 1, d: 2, pad: 'same' },
    { x: [1, 10, 10, 2], f: [2, 3, 2, 1], s: 1, d: 3, pad: 'valid' },
  ];
  for (const [i, c] of cases.entries()) {
    it(`x ${c.x} filter ${c.f} dilation ${c.d} pad ${c.pad}`, async () => {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, c.d, c.pad, undefined, true);
      const x = hostRandom(c.x, 700 + i);
      const w = hostRandom(c.f, 710 + i);
      const dy = hostRandom(info.outShape, 720 + i);
      const ref = depthwiseGradsReference(x, w, dy, c.s, c.d, info.padInfo.top, info.padInfo.left);
      const attrs = { strides: c.s, dilations: c.d, pad: c.pad };
      const dw = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: c.f });
      const dx = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x });
      expectClose(dw.data, ref.dw, 'filter gradient');
      expectClose(dx.data, ref.dx, 'input gradient');
    });
  }
});

describe('UnsortedSegmentSum on wasm matches cpu', () => {
  const cases: { x: number[]; idsShape: number[]; n: number; ids?: number[]; int?: boolean }[] = [
    { x: [1, 4], idsShape: [1], n: 3 },
    { x: [6], idsShape: [6], n: 4 },
    { x: [7, 3], idsShape: [7], n: 5 },
    { x: [5, 2, 3], idsShape: [5], n: 3 },
    { x: [40, 16], idsShape: [40], n: 11 },
    { x: [6, 2], idsShape: [6], n: 4, ids: [0, -1, 3, 4, 3, 9] },
    { x: [5, 3], idsShape: [5], n: 4, int: true },
  ];
  for (const [i, c] of cases.entries()) {
    const label = `x [${c.x}] ids [${c.ids ?? c.idsShape}] segments ${c.n}${c.int ? ' int32' : ''}`;
    it(label, async () => {
      const size = tf.util.sizeFromShape(c.idsShape);
      const ids = c.ids ? Int32Array.from(c.ids) : randomInts(size, 800 + i, 0, c.n - 1);
      const x: HostTensor = c.int
        ? { shape: c.x, data: randomInts(tf.util.sizeFromShape(c.x), 810 + i, -9, 9), dtype: 'int32' }
        : hostRandom(c.x, 820 + i);
      await expectKernelMatchesCpu(
        'UnsortedSegmentSum',
        { x, segmentIds: { shape: c.idsShape, data: ids, dtype: 'int32' } },
        { numSegments: c.n },
        label,
      );
    });
  }
});

describe('MaxPoolGrad on wasm (replacement) matches cpu', () => {
  const cases: { x: Conv4; pool: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid'; values?: 'ties' | 'negative' }[] = [
    { x: [1, 4, 4, 3], pool: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 6, 2], pool: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 6, 2], pool: 2, s: 2, pad: 'same' },
    { x: [1, 9, 9, 4], pool: 3, s: 2, pad: 'valid' },
    { x: [2, 8, 7, 3], pool: [2, 3], s: [2, 1], pad: 'same' },
    { x: [3, 5, 5, 1], pool: 3, s: 1, pad: 'same' },
    { x: [2, 6, 6, 5], pool: 2, s: 2, pad: 'valid', values: 'negative' },
    { x: [2, 6, 8, 3], pool: 2, s: 2, pad: 'same', values: 'ties' },
    { x: [2, 7, 7, 2], pool: 3, s: 2, pad: 'same', values: 'ties' },
  ];
  const inputOf = (c: (typeof cases)[number], seed: number): HostTensor => {
    const size = tf.util.sizeFromShape(c.x);
    if (c.values === 'ties') return { shape: c.x, data: Float32Array.from(randomInts(size, seed, -1, 1)), dtype: 'float32' };
    const data = randomValues(size, seed);
    if (c.values === 'negative') for (let i = 0; i < size; i++) data[i] = -Math.abs(data[i] as number) - 0.01;
    return { shape: c.x, data, dtype: 'float32' };
  };
  for (const [i, c] of cases.entries()) {
    const label = `x ${c.x} pool ${c.pool} strides ${c.s} pad ${c.pad}${c.values ? ` (${c.values})` : ''}`;
    it(label, async () => {
      const x = inputOf(c, 900 + i);
      const attrs = { filterSize: c.pool, strides: c.s, pad: c.pad };
      const y = await runKernelOn('cpu', 'MaxPool', { x }, attrs);
      await expectKernelMatchesCpu(
        'MaxPoolGrad',
        { dy: hostRandom(y.shape, 950 + i), input: x, output: { shape: y.shape, data: y.data, dtype: 'float32' } },
        attrs,
        label,
      );
    });
  }

  it('is needed: the stock wasm kernel misroutes all-negative windows', async () => {
    const x = inputOf(cases[6] as (typeof cases)[number], 1);
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    const y = await runKernelOn('cpu', 'MaxPool', { x }, attrs);
    const inputs = { dy: hostRandom(y.shape, 2), input: x, output: { shape: y.shape, data: y.data, dtype: 'float32' as const } };
    const expected = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
    await useBackend('wasm');
    const stock = stockMaxPoolGrad;
    if (stock === undefined) throw new Error('stock MaxPoolGrad was not captured');
    const actual = tf.tidy(() => {
      const t = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype)]));
      const info = stock.kernelFunc({ inputs: t, backend: tf.backend(), attrs }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info).dataSync().slice();
    });
    expect(compare(actual, expected.data).ok).toBe(false);
  });
});

describe('routeSegmentIds (guards ScatterNd, which does not bounds-check)', () => {
  it('keeps valid ids untouched and sends every invalid id to the spare row', () => {
    expect(routeSegmentIds(Int32Array.from([0, 3, 1, 3]), 4)).toBeUndefined();
    expect(Array.from(routeSegmentIds(Int32Array.from([0, -1, 3, 4, 3, 9]), 4) ?? [])).toEqual([0, 4, 3, 4, 3, 4]);
    expect(Array.from(routeSegmentIds(Int32Array.from([7, 0]), 4) ?? [])).toEqual([4, 0]);
  });
});

describe('UnsortedSegmentSum on wasm beyond what the cpu kernel handles', () => {
  // The cpu kernel mishandles segment ids of rank > 1, so a direct sum is the reference.
  it('rank-2 segment ids: x [4,3,2] ids [4,3] segments 6', async () => {
    const x = hostRandom([4, 3, 2], 830);
    const ids = randomInts(12, 831, 0, 5);
    const expected = new Float32Array(6 * 2);
    ids.forEach((id, row) => {
      for (let j = 0; j < 2; j++) expected[id * 2 + j] = (expected[id * 2 + j] as number) + (x.data[row * 2 + j] as number);
    });
    const out = await runKernelOn('wasm', 'UnsortedSegmentSum', { x, segmentIds: { shape: [4, 3], data: ids, dtype: 'int32' } }, { numSegments: 6 });
    expect(out.shape).toEqual([6, 2]);
    expectClose(out.data, expected, 'segment sums');
  });

  it('returns zeros for an empty input', async () => {
    const out = await runKernelOn(
      'wasm',
      'UnsortedSegmentSum',
      { x: { shape: [0, 3], data: new Float32Array(0), dtype: 'float32' }, segmentIds: { shape: [0], data: new Int32Array(0), dtype: 'int32' } },
      { numSegments: 2 },
    );
    expect(out.shape).toEqual([2, 3]);
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

// ---------------------------------------------------------------------------------------
// Model families: one training step's gradients and optimizer updates, wasm vs cpu.

/** A tiny model on the active backend: its trainable variables and a loss over them. */
interface Net {
  readonly params: tf.Variable[];
  readonly loss: () => tf.Scalar;
  readonly model?: tf.LayersModel;
  readonly x?: tf.Tensor;
  readonly y?: tf.Tensor;
  dispose(): void;
}

/** Overwrites every weight with seeded values so both backends start identically. */
function seedWeights(weights: tf.LayerVariable[], seed: number): void {
  for (const [i, w] of weights.entries()) {
    const shape = w.shape as number[];
    const fanIn = shape.length > 1 ? tf.util.sizeFromShape(shape.slice(0, -1)) : 4;
    w.write(tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed + i, 1.5 / Math.sqrt(fanIn)), shape));
  }
}

function variablesOf(weights: tf.LayerVariable[]): tf.Variable[] {
  return weights.map((w) => w.read() as tf.Variable);
}

/** The project's classification loss: cross-entropy on clipped probabilities. */
function crossEntropy(labels: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(probs, 1e-7, 1 - 1e-7))), -1))) as tf.Scalar;
}

function oneHotHost(rows: number, classes: number, seed: number): HostTensor {
  const labels = randomInts(rows, seed, 0, classes - 1);
  const data = new Float32Array(rows * classes);
  labels.forEach((label, r) => {
    data[r * classes + label] = 1;
  });
  return { shape: [rows, classes], data, dtype: 'float32' };
}

function toTensor(t: HostTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype);
}

/** A Net around a sequential model built by `layers`. */
function sequentialNet(
  layers: () => tf.layers.Layer[],
  xHost: HostTensor,
  yHost: HostTensor,
  loss: (y: tf.Tensor, p: tf.Tensor) => tf.Scalar,
  seed: number,
): () => Net {
  return () => {
    const model = tf.sequential({ layers: layers() });
    seedWeights(model.weights, seed);
    const x = toTensor(xHost);
    const y = toTensor(yHost);
    return {
      params: variablesOf(model.trainableWeights),
      loss: () => loss(y, model.apply(x, { training: true }) as tf.Tensor),
      model,
      x,
      y,
      dispose: () => {
        model.dispose();
        tf.dispose([x, y]);
      },
    };
  };
}

const mseLoss = (y: tf.Tensor, p: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(p, y)));

const FAMILIES: Record<string, () => Net> = {
  mlp: sequentialNet(
    () => [
      tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 8, activation: 'elu' }),
      tf.layers.dense({ units: 8, activation: 'selu' }),
      tf.layers.dense({ units: 8, activation: 'tanh' }),
      tf.layers.dense({ units: 8, activation: 'sigmoid' }),
      tf.layers.dense({ units: 8, activation: 'swish' }),
      tf.layers.dropout({ rate: 0.3, seed: 11 }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    hostRandom([5, 6], 1),
    oneHotHost(5, 3, 2),
    crossEntropy,
    1000,
  ),
  cnn: sequentialNet(
    () => [
      tf.layers.conv2d({ inputShape: [10, 9, 2], filters: 3, kernelSize: [3, 5], padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 7, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 3, kernelSize: 2, padding: 'same' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1, padding: 'same', activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    hostRandom([3, 10, 9, 2], 3),
    oneHotHost(3, 3, 4),
    crossEntropy,
    2000,
  ),
  'cnn kernel sizes 1-7': sequentialNet(
    () => [
      tf.layers.conv2d({ inputShape: [7, 6, 2], filters: 2, kernelSize: 1, padding: 'same', activation: 'relu' }),
      ...[2, 3, 4, 5, 6, 7].map((k) => tf.layers.conv2d({ filters: 2, kernelSize: k, padding: 'same', activation: 'tanh' })),
      tf.layers.conv2d({ filters: 2, kernelSize: [2, 5], padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
    hostRandom([2, 7, 6, 2], 13),
    oneHotHost(2, 2, 14),
    crossEntropy,
    2500,
  ),
  separable: sequentialNet(
    () => [
      tf.layers.depthwiseConv2d({ inputShape: [9, 8, 2], kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
      tf.layers.separableConv2d({ filters: 3, kernelSize: [3, 2], padding: 'same', activation: 'relu' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    hostRandom([2, 9, 8, 2], 5),
    oneHotHost(2, 3, 6),
    crossEntropy,
    3000,
  ),
  lstm: sequentialNet(
    () => [
      tf.layers.lstm({ inputShape: [5, 3], units: 4, returnSequences: true }),
      tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: false }) as tf.RNN }),
      tf.layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
    hostRandom([3, 5, 3], 7),
    hostRandom([3, 2], 8, 1),
    mseLoss,
    4000,
  ),
  gru: sequentialNet(
    () => [
      tf.layers.gru({ inputShape: [5, 3], units: 4, returnSequences: true }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, returnSequences: true }) as tf.RNN, mergeMode: 'ave' }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3 }) as tf.RNN, mergeMode: 'concat' }),
      tf.layers.dense({ units: 1 }),
    ],
    hostRandom([3, 5, 3], 9),
    hostRandom([3, 1], 10),
    mseLoss,
    5000,
  ),
  embedding: sequentialNet(
    () => [
      tf.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 6 }),
      tf.layers.globalAveragePooling1d({}),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    { shape: [3, 6], data: Float32Array.from([1, 2, 3, 1, 1, 11, 0, 0, 5, 5, 2, 7, 9, 1, 1, 4, 4, 0]), dtype: 'float32' },
    oneHotHost(3, 3, 12),
    crossEntropy,
    6000,
  ),
  transformer: transformerNet,
};

/** A Transformer encoder block from tf ops: multi-head attention, residuals, layer norm, FFN. */
function transformerNet(): Net {
  const [batch, steps, width, heads] = [2, 5, 8, 2];
  const headWidth = width / heads;
  const dense = (units: number, activation?: 'relu') =>
    tf.layers.dense({ units, ...(activation ? { activation } : {}) });
  const [q, k, v, o] = [dense(width), dense(width), dense(width), dense(width)];
  const [ffn1, ffn2] = [dense(16, 'relu'), dense(width)];
  const [norm1, norm2] = [tf.layers.layerNormalization({}), tf.layers.layerNormalization({})];
  const dropout = tf.layers.dropout({ rate: 0.2, seed: 13 });
  const layers = [q, k, v, o, ffn1, ffn2, norm1, norm2];
  const x = toTensor(hostRandom([batch, steps, width], 20));
  const target = toTensor(hostRandom([batch, steps, width], 21));
  const apply = (layer: tf.layers.Layer, t: tf.Tensor, training = false): tf.Tensor =>
    layer.apply(t, { training }) as tf.Tensor;
  const splitHeads = (t: tf.Tensor): tf.Tensor =>
    tf.transpose(tf.reshape(t, [batch, steps, heads, headWidth]), [0, 2, 1, 3]);
  const forward = (): tf.Tensor => {
    const scores = tf.div(tf.matMul(splitHeads(apply(q, x)), splitHeads(apply(k, x)), false, true), Math.sqrt(headWidth));
    const context = tf.matMul(tf.softmax(scores), splitHeads(apply(v, x)));
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, steps, width]);
    const h = apply(norm1, tf.add(x, apply(dropout, apply(o, merged), true)));
    return apply(norm2, tf.add(h, apply(ffn2, apply(ffn1, h))));
  };
  tf.tidy(() => {
    forward(); // builds the layers
  });
  const weights = layers.flatMap((l) => l.trainableWeights);
  seedWeights(weights, 7000);
  return {
    params: variablesOf(weights),
    loss: () => tf.mean(tf.square(tf.sub(forward(), target))),
    dispose: () => {
      for (const l of layers) l.dispose();
      tf.dispose([x, target]);
    },
  };
}

/** Loss and gradients (in parameter order) of a freshly built family net on `backend`. */
async function gradientsOn(backend: TestBackend, family: () => Net): Promise<{ loss: number; grads: Float32Array[] }> {
  await useBackend(backend);
  const net = family();
  try {
    const { value, grads } = tf.variableGrads(net.loss, net.params);
    const result = {
      loss: value.dataSync()[0] as number,
      grads: net.params.map((p) => {
        const g = grads[p.name];
        if (g === undefined) throw new Error(`no gradient for ${p.name}`);
        return g.dataSync().slice() as Float32Array;
      }),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return result;
  } finally {
    net.dispose();
  }
}

describe('one training step: gradients on wasm match cpu', () => {
  for (const [name, family] of Object.entries(FAMILIES)) {
    it(name, async () => {
      const cpu = await gradientsOn('cpu', family);
      const wasm = await gradientsOn('wasm', family);
      expect(Number.isFinite(cpu.loss)).toBe(true);
      expectClose([wasm.loss], [cpu.loss], `${name} loss`);
      expect(wasm.grads.length).toBe(cpu.grads.length);
      let nonZero = 0;
      for (const [i, g] of cpu.grads.entries()) {
        expectClose(wasm.grads[i] ?? [], g, `${name} gradient #${i}`, 1e-4, 1e-6);
        if (g.some((value) => value !== 0)) nonZero++;
      }
      // Every parameter really takes part (a vacuous comparison of zeros proves nothing).
      expect(nonZero).toBe(cpu.grads.length);
    });
  }
});

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.1),
  momentum: () => tf.train.momentum(0.1, 0.9),
  adam: () => tf.train.adam(0.01),
  adamax: () => tf.train.adamax(0.01),
  rmsprop: () => tf.train.rmsprop(0.01),
};

/** Parameters after `steps` optimizer steps on a fresh family net on `backend`. */
async function paramsAfterSteps(
  backend: TestBackend,
  family: () => Net,
  makeOptimizer: () => tf.Optimizer,
  steps: number,
): Promise<Float32Array[]> {
  await useBackend(backend);
  const net = family();
  const optimizer = makeOptimizer();
  try {
    for (let s = 0; s < steps; s++) tf.dispose(optimizer.minimize(net.loss, false, net.params) ?? []);
    return net.params.map((p) => p.dataSync().slice() as Float32Array);
  } finally {
    optimizer.dispose();
    net.dispose();
  }
}

describe('optimizer updates on wasm match cpu', () => {
  for (const [optimizerName, makeOptimizer] of Object.entries(OPTIMIZERS)) {
    for (const familyName of ['mlp', 'cnn'] as const) {
      it(`${optimizerName} on ${familyName}, 2 steps`, async () => {
        const family = FAMILIES[familyName] as () => Net;
        const cpu = await paramsAfterSteps('cpu', family, makeOptimizer, 2);
        const wasm = await paramsAfterSteps('wasm', family, makeOptimizer, 2);
        for (const [i, p] of cpu.entries()) {
          expectClose(wasm[i] ?? [], p, `${optimizerName}/${familyName} parameter #${i}`);
        }
      });
    }
  }
});

describe('model.fit on wasm matches cpu', () => {
  /** Loss history and final weights of 2 epochs of fit with a fixed batch order. */
  async function fitOn(backend: TestBackend, familyName: string): Promise<{ history: number[]; weights: Float32Array[] }> {
    await useBackend(backend);
    const net = (FAMILIES[familyName] as () => Net)();
    const { model, x, y } = net;
    if (!model || !x || !y) throw new Error(`${familyName} is not a layers model`);
    try {
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const fit = await model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
      return {
        history: fit.history['loss'] as number[],
        weights: model.getWeights().map((w) => w.dataSync().slice() as Float32Array),
      };
    } finally {
      net.dispose();
    }
  }
  for (const familyName of ['cnn', 'separable', 'embedding']) {
    it(familyName, async () => {
      const cpu = await fitOn('cpu', familyName);
      const wasm = await fitOn('wasm', familyName);
      expectClose(wasm.history, cpu.history, `${familyName} loss history`);
      for (const [i, w] of cpu.weights.entries()) expectClose(wasm.weights[i] ?? [], w, `${familyName} weight #${i}`);
    });
  }
});
