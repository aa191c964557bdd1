/**
 * Shared pieces of the custom tfjs layers and initializers: the serialization package they
 * register under, the layer argument type and input unpacking.
 */
import * as tf from '@tensorflow/tfjs';

/** Package prefix of the custom classes in saved model topologies (`modelsmith>Name`). */
export const CUSTOM_LAYER_PACKAGE = 'modelsmith';

/** The standard layer arguments (name, trainable, input shape, ...) every layer accepts. */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** A custom class (layer or initializer) as the serialization registry expects it. */
export type CustomClass = tf.serialization.SerializableConstructor<tf.serialization.Serializable>;

/** Register a custom class so saved models that use it load back; idempotent. */
export function registerCustomClass<T extends CustomClass>(cls: T): T {
  tf.serialization.registerClass(cls, CUSTOM_LAYER_PACKAGE);
  return cls;
}

/** The one tensor a single-input layer receives. */
export function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (!Array.isArray(inputs)) return inputs;
  const [only] = inputs;
  if (only === undefined || inputs.length !== 1) throw new RangeError(`expected one input tensor, got ${inputs.length}`);
  return only;
}

/** The one shape a single-input layer receives. */
export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  const first = inputShape[0];
  if (Array.isArray(first)) {
    if (inputShape.length !== 1) throw new RangeError(`expected one input shape, got ${inputShape.length}`);
    return first;
  }
  return inputShape as tf.Shape;
}
