/** Reduces a [steps, width] sequence to its last step's [width] features. */
import * as tf from '@tensorflow/tfjs';
import { registerCustomClass, singleShape, singleTensor, type BaseLayerArgs } from './base.js';

/** Keeps the last step of a [batch, steps, width] input: the output is [batch, width]. */
export class LastStep extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'LastStep';

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    if (shape.length !== 3) throw new RangeError(`LastStep needs [batch, steps, width] input, got [${shape.join(', ')}]`);
    return [shape[0] ?? null, shape[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = singleTensor(inputs);
    const steps = input.shape[1] ?? 0;
    return tf.tidy(() => tf.squeeze(tf.slice(input, [0, steps - 1, 0], [-1, 1, -1]), [1]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}
registerCustomClass(LastStep);
