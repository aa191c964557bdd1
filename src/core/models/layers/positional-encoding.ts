/**
 * Fixed sinusoidal position encodings added to a [steps, width] sequence, as in the
 * original transformer; the layer has no weights and works for any sequence length.
 */
import * as tf from '@tensorflow/tfjs';
import { registerCustomClass, singleTensor, type BaseLayerArgs } from './base.js';

/** Wavelength scale of the encodings. */
const BASE = 10000;

/**
 * The encoding table, row-major [steps, width]: even feature 2i of step p is
 * sin(p / 10000^(2i / width)), odd feature 2i + 1 is the cosine of the same angle.
 */
export function sinusoidalTable(steps: number, width: number): Float32Array {
  const table = new Float32Array(steps * width);
  for (let step = 0; step < steps; step++) {
    for (let feature = 0; feature < width; feature++) {
      const pair = feature - (feature % 2);
      const angle = step / BASE ** (pair / width);
      table[step * width + feature] = feature % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}

/** Adds {@link sinusoidalTable} to each example of a [batch, steps, width] input. */
export class PositionalEncoding extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'PositionalEncoding';
  private cached?: { readonly steps: number; readonly width: number; readonly table: Float32Array };

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  private tableFor(steps: number, width: number): Float32Array {
    if (this.cached?.steps !== steps || this.cached.width !== width) {
      this.cached = { steps, width, table: sinusoidalTable(steps, width) };
    }
    return this.cached.table;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = singleTensor(inputs);
    if (input.rank !== 3) throw new RangeError(`PositionalEncoding needs [batch, steps, width] input, got [${input.shape.join(', ')}]`);
    const [, steps = 0, width = 0] = input.shape;
    return tf.tidy(() => tf.add(input, tf.tensor2d(this.tableFor(steps, width), [steps, width])));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}
registerCustomClass(PositionalEncoding);
