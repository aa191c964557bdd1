/**
 * Gradients that replace tfjs's own where those are needlessly slow on every backend.
 * `Tile`: tfjs adds up one slice of `dy` per repetition, so the gradient of a tile to
 * `[batch, steps, width]` costs `batch · steps` slices and additions. tfjs-layers'
 * layer normalization tiles its scale and offset that way in every transformer block,
 * which made that one gradient most of a transformer's training step (52 of 82 ms on wasm
 * for the bench's block). Here the gradient is one reshape and one sum.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The gradient of `tile(x, reps)`: `dy` seen as `[r0, a0, r1, a1, ...]` (the tiled axes
 * split into repetition and original extent), summed over the repetition axes.
 */
export function tileGradient(dy: tf.Tensor, xShape: readonly number[], reps: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const split = xShape.flatMap((extent, axis) => [reps[axis] ?? 1, extent]);
    const repetitionAxes = xShape.map((_, axis) => 2 * axis);
    return tf.sum(tf.reshape(dy, split), repetitionAxes);
  });
}

let registered = false;

/** Installs the faster gradients (once per process; they serve every backend). */
export function registerFasterGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      if (x === undefined) throw new Error('Tile gradient: the input was not saved');
      const { reps } = attrs as unknown as { reps: number[] };
      return { x: () => tileGradient(dy as tf.Tensor, x.shape, reps) };
    },
  });
}
