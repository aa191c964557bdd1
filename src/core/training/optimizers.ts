/**
 * The optimizers a trial can train with, by the names the search space uses. Adam, the
 * default, has a fused form: where the active backend registers the
 * {@link ADAM_UPDATE_KERNEL} kernel, a variable's whole update (both moments and the
 * step) is one kernel call instead of the dozen element-wise kernels of tfjs's Adam, the
 * largest share of a small model's step on a backend with per-kernel overhead (wasm).
 * Elsewhere tfjs's own Adam runs. Both compute the same update.
 */
import * as tf from '@tensorflow/tfjs';
import type { OPTIMIZERS } from '../space/catalog.js';

/**
 * Kernel name of one fused Adam update. Inputs `value`, `gradient`, `m`, `v` (float32,
 * one shape); attributes `learningRate`, `beta1`, `beta2`, `epsilon`, `step` (1-based).
 * Outputs, in order, the new `value`, `m` and `v`:
 *
 *   m' = beta1·m + (1 − beta1)·g,   v' = beta2·v + (1 − beta2)·g²,
 *   value' = value − learningRate · (m' / (1 − beta1^step)) / (√(v' / (1 − beta2^step)) + epsilon)
 *
 * which is tfjs's `AdamOptimizer` update. Backends opt in by registering a kernel of this name.
 */
export const ADAM_UPDATE_KERNEL = 'ModelsmithAdamUpdate';

/** Attributes of {@link ADAM_UPDATE_KERNEL}. */
export interface AdamUpdateAttrs {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly step: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;

/** Adam through {@link ADAM_UPDATE_KERNEL}; build it with {@link createOptimizer}. */
export class FusedAdamOptimizer extends tf.Optimizer {
  static get className(): string {
    // Serialized configurations name it as tfjs's Adam: the update is the same.
    return 'Adam';
  }

  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  private step = 0;
  private readonly epsilon: number;

  constructor(private readonly learningRate: number) {
    super();
    this.epsilon = tf.backend().epsilon();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients);
    this.step += 1;
    const attrs: AdamUpdateAttrs = { learningRate: this.learningRate, beta1: BETA1, beta2: BETA2, epsilon: this.epsilon, step: this.step };
    tf.tidy(() => {
      for (const [name, gradient] of entries) {
        if (gradient == null) continue;
        const value = tf.engine().registeredVariables[name];
        if (value === undefined) throw new Error(`FusedAdamOptimizer: no variable named ${name}`);
        let moment = this.moments.get(name);
        if (moment === undefined) {
          moment = { m: tf.zerosLike(value).variable(false), v: tf.zerosLike(value).variable(false) };
          this.moments.set(name, moment);
        }
        const [next, m, v] = tf.engine().runKernel(
          ADAM_UPDATE_KERNEL,
          { value, gradient, m: moment.m, v: moment.v },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        value.assign(next as tf.Tensor);
        moment.m.assign(m as tf.Tensor);
        moment.v.assign(v as tf.Tensor);
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: BETA1, beta2: BETA2, epsilon: this.epsilon };
  }

  override async getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> {
    throw new Error('FusedAdamOptimizer keeps no serializable weights');
  }

  override async setWeights(): Promise<void> {
    throw new Error('FusedAdamOptimizer keeps no serializable weights');
  }
}

const FACTORIES: Record<(typeof OPTIMIZERS)[number], (learningRate: number) => tf.Optimizer> = {
  adam: (lr) => (tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) ? new FusedAdamOptimizer(lr) : tf.train.adam(lr, BETA1, BETA2)),
  adamax: (lr) => tf.train.adamax(lr),
  rmsprop: (lr) => tf.train.rmsprop(lr),
  sgd: (lr) => tf.train.sgd(lr),
  momentum: (lr) => tf.train.momentum(lr, 0.9),
};

/** A fresh optimizer of that name for the active backend; throws on an unknown name. */
export function createOptimizer(name: string, learningRate: number): tf.Optimizer {
  const factory = (FACTORIES as Record<string, ((learningRate: number) => tf.Optimizer) | undefined>)[name];
  if (!factory) throw new RangeError(`unknown optimizer ${name}`);
  return factory(learningRate);
}

/**
 * Dispose an optimizer completely. tfjs 4.22's momentum optimizer forgets its
 * learning-rate scalar in `dispose()`, leaking one tensor per trial; free it here.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const rate = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (rate && !rate.isDisposed) rate.dispose();
}
