/**
 * Measured inference latency: the median time to predict one example on the running
 * backend, after warm-up. The clock is injected; the core reads no time itself.
 */
import * as tf from '@tensorflow/tfjs';

/** Median milliseconds for a single-example prediction over `runs` timed calls. */
export function measureLatency(model: tf.LayersModel, inputShape: readonly number[], monotonic: () => number, runs = 25): number {
  const x = tf.zeros([1, ...inputShape]);
  try {
    const once = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    for (let i = 0; i < 3; i++) once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = monotonic();
      once();
      times.push(monotonic() - start);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1] as number;
  } finally {
    x.dispose();
  }
}
