/**
 * The training loop: seeded mini-batch gradient descent with early stopping on the
 * validation loss (restoring the best weights), divergence detection, and per-epoch
 * history. Hand-written rather than `model.fit` so every tensor is accounted for (memory
 * stays flat across thousands of trials) and so callers can observe or stop each epoch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Encoded } from '../data/preprocess.js';
import { NonFiniteLossError } from '../errors.js';
import { createRng } from '../random.js';
import { lossOf } from './losses.js';
import { createOptimizer, disposeOptimizer } from './optimizers.js';

export interface TrainSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly optimizer: string;
  /** Epochs without a better validation loss before stopping; ignored without validation data. */
  readonly patience: number;
  readonly seed: number;
  /** Number of classes; 0 for regression. */
  readonly classCount: number;
  /** Shape of one example. */
  readonly inputShape: readonly number[];
}

export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly valLoss?: number;
}

export interface TrainOutcome {
  readonly history: readonly EpochRecord[];
  /** 1-based epoch whose weights the model holds at the end. */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

/** Called after each epoch; return `false` to stop training (e.g. a pruner's verdict). */
export type EpochObserver = (record: EpochRecord) => boolean | void;

/** Copy the rows `indices[from..to)` of a row-major matrix into `out`. */
function gatherRows(source: Float32Array, rowSize: number, indices: Int32Array, from: number, to: number, out: Float32Array): void {
  for (let i = from; i < to; i++) {
    const row = indices[i] as number;
    out.set(source.subarray(row * rowSize, (row + 1) * rowSize), (i - from) * rowSize);
  }
}

/** Loss over a whole data set, evaluated in inference mode. */
export function evaluateLoss(model: tf.LayersModel, data: Encoded, settings: TrainSettings): number {
  const predictions = predict(model, data, settings.inputShape);
  return tf.tidy(() => lossOf(tf.tensor(predictions, [data.count, predictions.length / data.count]), tf.tensor1d(data.y), settings.classCount).dataSync()[0] as number);
}

/** Model outputs for every example (probabilities or standardized values), row-major. */
export function predict(model: tf.LayersModel, data: Pick<Encoded, 'count' | 'x'>, inputShape: readonly number[], batchSize = 512): Float32Array {
  const rowSize = inputShape.reduce((a, b) => a * b, 1);
  const chunks: Float32Array[] = [];
  for (let start = 0; start < data.count; start += batchSize) {
    const end = Math.min(data.count, start + batchSize);
    const out = tf.tidy(() => {
      const x = tf.tensor(data.x.subarray(start * rowSize, end * rowSize), [end - start, ...inputShape]);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    chunks.push(out);
  }
  const width = chunks.length ? (chunks[0] as Float32Array).length / Math.min(batchSize, data.count) : 0;
  const result = new Float32Array(data.count * width);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

/**
 * Train `model` in place. With `validation`, stops after `patience` epochs without a lower
 * validation loss and restores the best weights. Throws {@link NonFiniteLossError} when the
 * loss diverges.
 */
export async function trainModel(
  model: tf.LayersModel,
  train: Encoded,
  validation: Encoded | null,
  settings: TrainSettings,
  observe?: EpochObserver,
): Promise<TrainOutcome> {
  const optimizer = createOptimizer(settings.optimizer, settings.learningRate);
  const rowSize = settings.inputShape.reduce((a, b) => a * b, 1);
  const batchSize = Math.max(1, Math.min(settings.batchSize, train.count));
  const order = Int32Array.from({ length: train.count }, (_, i) => i);
  const xBatch = new Float32Array(batchSize * rowSize);
  const yBatch = new Float32Array(batchSize);
  const history: EpochRecord[] = [];
  let best = { loss: Infinity, epoch: 0 };
  let bestWeights: tf.Tensor[] | null = null;
  let stoppedEarly = false;
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      createRng(settings.seed, 'epoch', epoch).shuffle(order as unknown as number[]);
      let lossSum = 0;
      for (let start = 0; start < train.count; start += batchSize) {
        const end = Math.min(train.count, start + batchSize);
        const n = end - start;
        gatherRows(train.x, rowSize, order, start, end, xBatch);
        for (let i = start; i < end; i++) yBatch[i - start] = train.y[order[i] as number] as number;
        const batchLoss = tf.tidy(() => {
          const x = tf.tensor(xBatch.subarray(0, n * rowSize), [n, ...settings.inputShape]);
          const y = tf.tensor1d(yBatch.subarray(0, n));
          const cost = optimizer.minimize(
            () => lossOf(model.apply(x, { training: true }) as tf.Tensor, y, settings.classCount),
            true,
            trainable,
          ) as tf.Scalar;
          return cost.dataSync()[0] as number;
        });
        lossSum += batchLoss * n;
      }
      const loss = lossSum / train.count;
      if (!Number.isFinite(loss)) {
        throw new NonFiniteLossError(
          `training diverged: the loss became ${loss} in epoch ${epoch} (learning rate ${settings.learningRate}, optimizer ${settings.optimizer}); try a lower learning rate`,
          { context: { epoch, learningRate: settings.learningRate } },
        );
      }
      const valLoss = validation && validation.count > 0 ? evaluateLoss(model, validation, settings) : undefined;
      const record: EpochRecord = valLoss === undefined ? { epoch, loss } : { epoch, loss, valLoss };
      history.push(record);
      const watched = valLoss ?? loss;
      if (Number.isFinite(watched) && watched < best.loss) {
        best = { loss: watched, epoch };
        if (valLoss !== undefined) {
          bestWeights?.forEach((t) => t.dispose());
          bestWeights = model.getWeights().map((w) => w.clone());
        }
      }
      if (observe?.(record) === false) {
        stoppedEarly = true;
        break;
      }
      if (valLoss !== undefined && epoch - best.epoch >= settings.patience) {
        stoppedEarly = epoch < settings.epochs;
        break;
      }
      await tf.nextFrame();
    }
    if (bestWeights) model.setWeights(bestWeights);
    return { history, bestEpoch: bestWeights ? best.epoch : history.length, stoppedEarly };
  } finally {
    bestWeights?.forEach((t) => t.dispose());
    disposeOptimizer(optimizer);
  }
}
