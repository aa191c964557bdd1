/**
 * Dropout whose masks come from a seed yet change from one training call to the next.
 * tfjs's own dropout, given a seed, draws the identical mask at every call, which turns
 * dropout into a fixed pruning; unseeded, it uses `Math.random` and cannot be replayed.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random.js';
import { registerCustomClass, singleTensor, type BaseLayerArgs } from './base.js';

/** Arguments of {@link SeededDropout}. */
export interface SeededDropoutArgs extends BaseLayerArgs {
  /** Fraction of inputs zeroed during training, in [0, 1). */
  readonly rate: number;
  /** Seed of the mask stream. */
  readonly seed: number;
}

/**
 * Inverted dropout (kept inputs are scaled by 1 / (1 − rate)) applied only when called with
 * `training: true`. The n-th training call draws its mask from `(seed, n)`, so a replay
 * that makes the same calls sees the same masks. The call counter is not saved: a loaded
 * model starts its stream again.
 */
export class SeededDropout extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'SeededDropout';
  /** Fraction of inputs zeroed during training. */
  readonly rate: number;
  /** Seed of the mask stream. */
  readonly seed: number;
  private trainingCalls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = singleTensor(inputs);
    if (kwargs['training'] !== true || this.rate === 0) return input;
    const maskSeed = createRng(this.seed, 'dropout', this.trainingCalls).seed();
    this.trainingCalls += 1;
    return tf.tidy(() => tf.dropout(input, this.rate, undefined, maskSeed));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
registerCustomClass(SeededDropout);
