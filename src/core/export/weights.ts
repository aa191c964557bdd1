/**
 * Trained weights as plain data for the exporters: each tensor's values with its shape
 * and the stable name tfjs saves it under (`layer/weight`), in the model's weight order.
 */
import type * as tf from '@tensorflow/tfjs';

/** One weight tensor, row-major float32 values. */
export interface WeightTensor {
  /** `layer/weight` (e.g. `dense_1/kernel`); when given, exporters check it. */
  readonly name?: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * A model's weights in `model.getWeights()` order, named as saved model files name them
 * (tfjs's per-process unique suffixes left out).
 */
export function modelWeights(model: tf.LayersModel): WeightTensor[] {
  return model.weights.map((variable) => {
    const tensor = variable.read();
    if (tensor.dtype !== 'float32') throw new TypeError(`weight ${variable.originalName} is ${tensor.dtype}, not float32`);
    return { name: variable.originalName, shape: [...tensor.shape], values: (tensor.dataSync() as Float32Array).slice() };
  });
}
