/**
 * Size and compute of an architecture by pure arithmetic, before anything is built.
 *
 * Parameters are exact: they equal the built tfjs model's `countParams()`.
 *
 * FLOPs are for one example's forward pass (inference: dropout is free), counted as:
 * - a multiply-add is 2 FLOPs; a lone add, multiply, divide or compare is 1. A product of
 *   an `[n]` vector with an `[n, m]` matrix is 2·n·m (the first add of each sum is not
 *   discounted), and `x·W + h·U` over the same outputs counts as one product over `[x, h]`.
 * - a bias add is 1 per output element.
 * - an activation is 1 per element (relu, elu, selu, tanh, sigmoid, swish alike), `linear`
 *   is 0, and a softmax over n values is 3n (exponent, sum, divide).
 * - dense: 2·in·units + units + activation, at every position of its input (a dense on a
 *   [steps, width] sequence runs once per step).
 * - conv2d ('same', stride 1): per output pixel 2·k²·cin·filters + filters + activation; zero
 *   padding is counted as if multiplied.
 * - pool2d: 4 per output element (a 2x2 window: 3 compares, or 3 adds and a scale).
 * - flatten, dropout and taking the last step: 0.
 * - lstm, per step and direction (u units, n inputs): gate product 8·u·(n + u), bias 4u,
 *   activations 5u (three sigmoid gates, tanh candidate, tanh of the cell), cell update
 *   f·c + i·g 3u, output o·tanh(c) u; total 8·u·(n + u) + 13u.
 * - gru (reset before the candidate, as tfjs), per step and direction: update/reset product
 *   4·u·(n + u) + bias 2u, candidate product 2·u·(n + u) + bias u, r·h u, activations 3u,
 *   h = z·h + (1 − z)·h̃ 4u; total 6·u·(n + u) + 11u.
 * - positional encoding: 1 add per element.
 * - self-attention over T steps, input width d, H heads of size h (D = H·h): Q, K, V
 *   projections 3·T·(2·d·D + D), query scaling T·D, scores 2·T²·D, softmax 3·H·T², weighted
 *   sum 2·T²·D, output projection T·(2·D·d + d).
 * - encoder block: attention, residual add T·d, layer norm, feed-forward (dense ffDim relu,
 *   dense d linear), residual add T·d, layer norm.
 * - layer norm: 7 per element (mean 1, centre 1, square-and-sum 2, normalize 1, scale and
 *   shift 2).
 * - mean pooling over steps: 1 per input element (T−1 adds and a divide per feature).
 */
import { layerOutputShape, positionsOf, sizeOf, widthOf, type Shape } from './shapes.js';
import type { Activation, Architecture, LayerSpec, ModelCost } from './types.js';

/** FLOPs of the softmax over n values. */
const SOFTMAX_PER_ELEMENT = 3;
/** FLOPs of layer normalization per element. */
const LAYER_NORM_PER_ELEMENT = 7;
/** FLOPs per output element of a 2x2 pooling window. */
const POOL_PER_OUTPUT = 4;

const FREE: ModelCost = { params: 0, flops: 0 };

function sum(...costs: ModelCost[]): ModelCost {
  return costs.reduce((total, cost) => ({ params: total.params + cost.params, flops: total.flops + cost.flops }), { ...FREE });
}

/** FLOPs of an activation over `elements` values. */
function activationFlops(activation: Activation, elements: number): number {
  if (activation === 'linear') return 0;
  return activation === 'softmax' ? SOFTMAX_PER_ELEMENT * elements : elements;
}

/** A dense map from `inputs` to `units` applied at `positions` places. */
function denseCost(inputs: number, units: number, activation: Activation, positions: number): ModelCost {
  return {
    params: inputs * units + units,
    flops: positions * (2 * inputs * units + units + activationFlops(activation, units)),
  };
}

/** Gate count and per-step elementwise FLOPs (beyond the gate product) of each cell. */
const CELLS = {
  lstm: { gates: 4, elementwisePerUnit: 13 },
  gru: { gates: 3, elementwisePerUnit: 11 },
} as const;

function recurrentCost(spec: Extract<LayerSpec, { type: 'recurrent' }>, input: Shape): ModelCost {
  const [steps = 0, features = 0] = input;
  const { gates, elementwisePerUnit } = CELLS[spec.cell];
  const u = spec.units;
  const directions = spec.bidirectional ? 2 : 1;
  // tfjs recurrent cells carry a single bias vector per gate (no separate recurrent bias).
  const params = gates * (u * (features + u) + u);
  const flopsPerStep = 2 * gates * u * (features + u) + elementwisePerUnit * u;
  return { params: directions * params, flops: directions * steps * flopsPerStep };
}

/** Multi-head self-attention over [steps, width] with `heads` heads of `headDim`. */
export function attentionCost(steps: number, width: number, heads: number, headDim: number): ModelCost {
  const inner = heads * headDim;
  const projection = denseCost(width, inner, 'linear', steps);
  const output = denseCost(inner, width, 'linear', steps);
  const scaling = steps * inner;
  const scores = 2 * steps * steps * inner;
  const softmax = SOFTMAX_PER_ELEMENT * heads * steps * steps;
  const weightedSum = 2 * steps * steps * inner;
  return sum(projection, projection, projection, output, { params: 0, flops: scaling + scores + softmax + weightedSum });
}

function layerNormCost(steps: number, width: number): ModelCost {
  return { params: 2 * width, flops: LAYER_NORM_PER_ELEMENT * steps * width };
}

function encoderCost(spec: Extract<LayerSpec, { type: 'transformerEncoder' }>, input: Shape): ModelCost {
  const [steps = 0, width = 0] = input;
  const residual: ModelCost = { params: 0, flops: steps * width };
  return sum(
    attentionCost(steps, width, spec.heads, spec.headDim),
    residual,
    layerNormCost(steps, width),
    denseCost(width, spec.ffDim, 'relu', steps),
    denseCost(spec.ffDim, width, 'linear', steps),
    residual,
    layerNormCost(steps, width),
  );
}

/** Cost of one layer spec given its per-example input shape. */
export function layerCost(spec: LayerSpec, input: Shape): ModelCost {
  switch (spec.type) {
    case 'flatten':
    case 'dropout':
      return FREE;
    case 'dense':
      return denseCost(widthOf(input), spec.units, spec.activation, positionsOf(input));
    case 'conv2d': {
      const channels = widthOf(input);
      const perPixel = denseCost(spec.kernel * spec.kernel * channels, spec.filters, spec.activation, 1);
      return { params: perPixel.params, flops: positionsOf(input) * perPixel.flops };
    }
    case 'pool2d':
      return { params: 0, flops: POOL_PER_OUTPUT * sizeOf(layerOutputShape(spec, input)) };
    case 'recurrent':
      return recurrentCost(spec, input);
    case 'positionalEncoding':
      return { params: 0, flops: sizeOf(input) };
    case 'transformerEncoder':
      return encoderCost(spec, input);
    case 'sequencePool':
      return { params: 0, flops: spec.mode === 'mean' ? sizeOf(input) : 0 };
  }
}

/** Exact trainable parameters and forward FLOPs per example of an architecture. */
export function estimateCost(arch: Architecture): ModelCost {
  let shape: Shape = arch.inputShape;
  let total: ModelCost = { ...FREE };
  for (const spec of arch.layers) {
    total = sum(total, layerCost(spec, shape));
    shape = layerOutputShape(spec, shape);
  }
  return { params: total.params, flops: total.flops };
}
