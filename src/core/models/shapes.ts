/**
 * Shape inference over an architecture: the per-example output shape of every layer spec,
 * computed without tfjs, so description, cost estimation and tests share one rule per layer.
 */
import type { Architecture, LayerSpec } from './types.js';

/** Per-example tensor shape (no batch dimension). */
export type Shape = readonly number[];

/** The last dimension of a shape: the feature width a dense-like layer reads. */
export function widthOf(shape: Shape): number {
  const width = shape[shape.length - 1];
  if (width === undefined) throw new RangeError('a rank-0 shape has no width');
  return width;
}

/** Product of all dimensions but the last: how many positions a dense-like layer is applied at. */
export function positionsOf(shape: Shape): number {
  return shape.slice(0, -1).reduce((product, dim) => product * dim, 1);
}

/** Total number of elements in a shape. */
export function sizeOf(shape: Shape): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Unpack a shape of an exact rank, or explain which layer received what. */
export function expectRank(shape: Shape, rank: number, what: string): number[] {
  if (shape.length !== rank) throw new RangeError(`${what} needs a rank-${rank} input, got [${shape.join(', ')}]`);
  return [...shape];
}

/** Output shape of one layer spec applied to a per-example input shape. */
export function layerOutputShape(spec: LayerSpec, input: Shape): Shape {
  switch (spec.type) {
    case 'flatten':
      return [sizeOf(input)];
    case 'dense':
      return [...input.slice(0, -1), spec.units];
    case 'dropout':
    case 'positionalEncoding':
    case 'transformerEncoder':
      return input;
    case 'conv2d': {
      const [height = 0, width = 0] = expectRank(input, 3, 'conv2d');
      return [height, width, spec.filters];
    }
    case 'pool2d': {
      const [height = 0, width = 0, channels = 0] = expectRank(input, 3, 'pool2d');
      return [Math.floor(height / 2), Math.floor(width / 2), channels];
    }
    case 'recurrent': {
      const [steps = 0] = expectRank(input, 2, 'recurrent');
      const units = spec.units * (spec.bidirectional ? 2 : 1);
      return spec.returnSequences ? [steps, units] : [units];
    }
    case 'sequencePool':
      return [widthOf(expectRank(input, 2, 'sequencePool'))];
  }
}

/** The input and output shape of every layer of an architecture, in order. */
export function traceShapes(arch: Architecture): { readonly input: Shape; readonly output: Shape }[] {
  const trace: { input: Shape; output: Shape }[] = [];
  let current: Shape = arch.inputShape;
  for (const spec of arch.layers) {
    const output = layerOutputShape(spec, current);
    trace.push({ input: current, output });
    current = output;
  }
  return trace;
}
