/**
 * The training losses: cross-entropy on predicted probabilities (classification) and mean
 * squared error (regression). Cross-entropy has a fused form: where the active backend
 * registers {@link CROSS_ENTROPY_KERNEL} and {@link CROSS_ENTROPY_GRAD_KERNEL}, the loss
 * and its gradient are one kernel each instead of about twenty small ones (one-hot,
 * clipping, logarithm, reductions and their gradients), a sixth of a small model's step
 * on a backend with per-kernel overhead (wasm). Elsewhere the same loss is composed of
 * tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';

/** Probabilities are clipped to [CLIP, 1 − CLIP] before the logarithm. */
export const CLIP = 1e-7;

/**
 * Kernel name of the fused loss: inputs `probabilities` ([n, classes], float32) and
 * `labels` ([n], class indices as float32); output the scalar
 * `−mean_i log(clip(probabilities[i, labels[i]], CLIP, 1 − CLIP))`.
 */
export const CROSS_ENTROPY_KERNEL = 'ModelsmithCrossEntropy';

/**
 * Kernel name of its gradient: inputs `probabilities`, `labels` and `dy` (the scalar
 * upstream gradient); output `[n, classes]`, zero except at each row's label, where it is
 * `−dy / (n · p)` if `p` lies inside the clipping range and 0 outside it.
 */
export const CROSS_ENTROPY_GRAD_KERNEL = 'ModelsmithCrossEntropyGrad';

function fusedAvailable(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(CROSS_ENTROPY_KERNEL, backend) !== undefined && tf.getKernel(CROSS_ENTROPY_GRAD_KERNEL, backend) !== undefined;
}

const fusedCrossEntropy = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [probabilities, labels, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([probabilities, labels]);
  return {
    value: tf.engine().runKernel(CROSS_ENTROPY_KERNEL, { probabilities, labels }) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [p, y] = saved as [tf.Tensor, tf.Tensor];
      return [tf.engine().runKernel(CROSS_ENTROPY_GRAD_KERNEL, { probabilities: p, labels: y, dy }) as tf.Tensor, tf.zerosLike(y)];
    },
  };
});

/** Cross-entropy of predicted probabilities `[n, classes]` against class indices `[n]`. */
export function crossEntropy(probabilities: tf.Tensor, labels: tf.Tensor, classCount: number): tf.Scalar {
  if (fusedAvailable()) return fusedCrossEntropy(probabilities, labels) as tf.Scalar;
  const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classCount);
  const clipped = tf.clipByValue(probabilities, CLIP, 1 - CLIP);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1))) as tf.Scalar;
}

/** Mean loss of predictions against targets: cross-entropy on probabilities, or MSE. */
export function lossOf(predictions: tf.Tensor, targets: tf.Tensor, classCount: number): tf.Scalar {
  if (classCount > 0) return crossEntropy(predictions, targets, classCount);
  return tf.mean(tf.square(tf.sub(tf.reshape(predictions, [-1]), targets)));
}
