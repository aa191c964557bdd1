/** The custom layers and initializer: values against plain-arithmetic references, seeding, registration. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CUSTOM_INITIALIZERS,
  CUSTOM_LAYERS,
  LastStep,
  MultiHeadSelfAttention,
  PositionalEncoding,
  SeededDropout,
  SeededOrthogonal,
  orthogonalMatrix,
  registerCustomLayers,
  sinusoidalTable,
} from '../../../src/core/models/layers/index.js';
import { createRng } from '../../../src/core/random.js';
import { batchOf } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Matrix = number[][];

/** rows · kernel + bias, in plain arithmetic. */
function affine(rows: Matrix, kernel: Matrix, bias: number[]): Matrix {
  return rows.map((row) => bias.map((b, j) => row.reduce((sum, value, i) => sum + value * kernel[i]![j]!, b)));
}

/** Multi-head self-attention of one example [steps, width], written out loop by loop. */
function referenceAttention(x: Matrix, weights: Matrix[], biases: number[][], heads: number, headDim: number): Matrix {
  const [query, key, value] = [0, 1, 2].map((i) => affine(x, weights[i]!, biases[i]!)) as [Matrix, Matrix, Matrix];
  const context = x.map(() => new Array<number>(heads * headDim).fill(0));
  for (let head = 0; head < heads; head++) {
    const columns = Array.from({ length: headDim }, (_, c) => head * headDim + c);
    x.forEach((_, t) => {
      const scores = x.map((__, s) => columns.reduce((sum, c) => sum + query[t]![c]! * key[s]![c]!, 0) / Math.sqrt(headDim));
      const top = Math.max(...scores);
      const exps = scores.map((score) => Math.exp(score - top));
      const total = exps.reduce((a, b) => a + b, 0);
      for (const c of columns) context[t]![c] = exps.reduce((sum, e, s) => sum + (e / total) * value[s]![c]!, 0);
    });
  }
  return affine(context, weights[3]!, biases[3]!);
}

describe('PositionalEncoding', () => {
  it('tabulates interleaved sines and cosines', () => {
    const table = Array.from(sinusoidalTable(3, 4));
    const expected = [0, 1, 0, 1, Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01), Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02)];
    table.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
  });

  it('adds the table to every example and has no weights', () => {
    const layer = new PositionalEncoding();
    const output = layer.apply(tf.zeros([2, 3, 4])) as tf.Tensor;
    expect(layer.countParams()).toBe(0);
    expect(output.shape).toEqual([2, 3, 4]);
    const table = Array.from(sinusoidalTable(3, 4));
    expect(Array.from(output.dataSync())).toEqual([...table, ...table]);
    expect(layer.computeOutputShape([null, 3, 4])).toEqual([null, 3, 4]);
  });
});

describe('MultiHeadSelfAttention', () => {
  it('matches a loop-by-loop reference, biases included', () => {
    const [heads, headDim] = [2, 3];
    const layer = new MultiHeadSelfAttention({ heads, headDim, seed: 9 });
    const x = batchOf([4, 5], 2, 21);
    layer.apply(x);
    expect(layer.weights.map((w) => w.name.split('/').at(-1)?.replace(/_\d+$/, ''))).toEqual([
      'query_kernel', 'query_bias', 'key_kernel', 'key_bias', 'value_kernel', 'value_bias', 'output_kernel', 'output_bias',
    ]);
    // Q, K, V: [5, 6] kernels and [6] biases; output: [6, 5] kernel and [5] bias.
    expect(layer.countParams()).toBe(3 * (5 * 6 + 6) + (6 * 5 + 5));
    const randomBiases = layer.getWeights().map((w, i) => (i % 2 === 1 ? tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 100 + i) : w));
    layer.setWeights(randomBiases);
    const params = layer.getWeights().map((w) => w.arraySync());
    const kernels = params.filter((_, i) => i % 2 === 0) as Matrix[];
    const biases = params.filter((_, i) => i % 2 === 1) as number[][];
    const actual = (layer.apply(x) as tf.Tensor).arraySync() as Matrix[];
    const inputs = x.arraySync() as Matrix[];
    inputs.forEach((example, b) => {
      const expected = referenceAttention(example, kernels, biases, heads, headDim);
      expected.flat().forEach((value, i) => expect(actual[b]!.flat()[i]).toBeCloseTo(value, 5));
    });
  });

  it('gives the four projections different seeded kernels', () => {
    const build = (seed: number) => {
      const layer = new MultiHeadSelfAttention({ heads: 1, headDim: 4, seed });
      layer.apply(tf.zeros([1, 2, 4]));
      return layer.getWeights().filter((_, i) => i % 2 === 0).map((w) => Array.from(w.dataSync()));
    };
    const kernels = build(1);
    expect(new Set(kernels.map((k) => k.join())).size).toBe(4);
    expect(build(1)).toEqual(kernels);
    expect(build(2)).not.toEqual(kernels);
  });

  it('rejects non-positive sizes', () => {
    expect(() => new MultiHeadSelfAttention({ heads: 0, headDim: 4, seed: 1 })).toThrow(/heads/);
  });
});

describe('LastStep', () => {
  it('keeps the last step of each example', () => {
    const x = tf.tensor3d([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
    const layer = new LastStep();
    expect((layer.apply(x) as tf.Tensor).arraySync()).toEqual([[5, 6], [11, 12]]);
    expect(layer.computeOutputShape([null, 3, 2])).toEqual([null, 2]);
  });
});

describe('SeededDropout', () => {
  const ones = (): tf.Tensor => tf.ones([2000]);

  it('is the identity outside training', () => {
    const layer = new SeededDropout({ rate: 0.5, seed: 1 });
    expect(Array.from((layer.apply(ones()) as tf.Tensor).dataSync())).toEqual(new Array(2000).fill(1));
  });

  it('zeroes about `rate` of the inputs and scales the rest', () => {
    const values = Array.from((new SeededDropout({ rate: 0.3, seed: 1 }).apply(ones(), { training: true }) as tf.Tensor).dataSync());
    const zeros = values.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(500);
    expect(zeros).toBeLessThan(700);
    values.filter((v) => v !== 0).forEach((v) => expect(v).toBeCloseTo(1 / 0.7, 5));
  });

  it('draws a new mask per training call, the same sequence for the same seed', () => {
    const masks = (seed: number) => {
      const layer = new SeededDropout({ rate: 0.5, seed });
      return [0, 1, 2].map(() => Array.from((layer.apply(ones(), { training: true }) as tf.Tensor).dataSync()));
    };
    const [first, second, third] = masks(3);
    expect(second).not.toEqual(first);
    expect(third).not.toEqual(second);
    expect(masks(3)).toEqual([first, second, third]);
    expect(masks(4)[0]).not.toEqual(first);
  });

  it('rejects rates outside [0, 1)', () => {
    expect(() => new SeededDropout({ rate: 1, seed: 1 })).toThrow(/rate/);
    expect(() => new SeededDropout({ rate: -0.1, seed: 1 })).toThrow(/rate/);
  });
});

describe('SeededOrthogonal', () => {
  /** Largest deviation from I of the Gram matrix over the short side of a row-major [rows, cols] matrix. */
  const gramError = (values: ArrayLike<number>, rows: number, cols: number): number => {
    const at = (r: number, c: number): number => values[r * cols + c] as number;
    const [side, along] = rows >= cols ? [cols, rows] : [rows, cols];
    const entry = (i: number, k: number): number => (rows >= cols ? at(k, i) : at(i, k));
    let worst = 0;
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        let dot = 0;
        for (let k = 0; k < along; k++) dot += entry(i, k) * entry(j, k);
        worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    return worst;
  };

  it('has orthonormal columns when tall and orthonormal rows when wide', () => {
    expect(gramError(orthogonalMatrix(20, 5, 1), 20, 5)).toBeLessThan(1e-12);
    expect(gramError(orthogonalMatrix(5, 20, 1), 5, 20)).toBeLessThan(1e-12);
    expect(gramError(orthogonalMatrix(6, 6, 1), 6, 6)).toBeLessThan(1e-12);
  });

  it('is the Q of the QR factorization of a seeded normal draw, R with a positive diagonal', () => {
    const [rows, cols, seed] = [6, 3, 3];
    const q = orthogonalMatrix(rows, cols, seed);
    const rng = createRng(seed, 'orthogonal');
    const normal = Array.from({ length: rows * cols }, () => rng.normal());
    // R = Qᵀ·A must be upper triangular with a positive diagonal.
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let r = 0;
        for (let k = 0; k < rows; k++) r += (q[k * cols + i] as number) * (normal[k * cols + j] as number);
        if (i > j) expect(Math.abs(r)).toBeLessThan(1e-12);
        if (i === j) expect(r).toBeGreaterThan(0);
      }
    }
    expect(Array.from(orthogonalMatrix(rows, cols, seed))).toEqual(Array.from(q));
    expect(Array.from(orthogonalMatrix(rows, cols, seed + 1))).not.toEqual(Array.from(q));
  });

  it('flattens leading dimensions, scales by the gain and stays fast for large recurrent kernels', () => {
    const conv = new SeededOrthogonal({ seed: 2, gain: 2 }).apply([3, 3, 2, 4]);
    expect(conv.shape).toEqual([3, 3, 2, 4]);
    expect(gramError(Array.from(conv.dataSync(), (v) => v / 2), 18, 4)).toBeLessThan(1e-5);
    const recurrent = new SeededOrthogonal({ seed: 2 }).apply([128, 512]);
    expect(gramError(recurrent.dataSync(), 128, 512)).toBeLessThan(1e-5);
    expect(() => new SeededOrthogonal({ seed: 2 }).apply([4])).toThrow(/rank 2/);
  });

  it('is an initializer tfjs layers accept and serialize', () => {
    const lstm = tf.layers.lstm({ units: 3, recurrentInitializer: new SeededOrthogonal({ seed: 5 }) });
    lstm.apply(tf.input({ shape: [2, 4] }));
    const recurrent = lstm.getWeights()[1];
    expect(recurrent?.shape).toEqual([3, 12]);
    expect(gramError(recurrent?.dataSync() ?? [], 3, 12)).toBeLessThan(1e-5);
    expect(lstm.getConfig()['recurrentInitializer']).toEqual({ className: 'SeededOrthogonal', config: { seed: 5, gain: 1 } });
  });
});

describe('registerCustomLayers', () => {
  it('registers every custom class under the package name, idempotently', () => {
    registerCustomLayers();
    registerCustomLayers();
    for (const cls of [...CUSTOM_LAYERS, ...CUSTOM_INITIALIZERS]) {
      expect(tf.serialization.getRegisteredName(cls)).toBe(`modelsmith>${cls.className}`);
      expect(tf.serialization.SerializationMap.getMap().classNameMap[cls.className]?.[0]).toBe(cls);
    }
  });

  it('rebuilds each custom layer from its config', () => {
    const layers = [
      new PositionalEncoding({ name: 'pe' }),
      new MultiHeadSelfAttention({ heads: 2, headDim: 3, seed: 5, name: 'mhsa' }),
      new SeededDropout({ rate: 0.2, seed: 6, name: 'drop' }),
      new LastStep({ name: 'last' }),
    ];
    for (const layer of layers) {
      const copy = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()]?.[1];
      const rebuilt = copy?.(layer.constructor as never, layer.getConfig());
      expect(rebuilt?.getConfig()).toEqual(layer.getConfig());
    }
  });
});
