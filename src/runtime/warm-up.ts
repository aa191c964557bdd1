/**
 * Warms a new trainer thread: trains two tiny models (a dense network and a small
 * convolutional one) for a few steps on random data, so that compiling tfjs's hot paths
 * (JavaScript JIT, WebAssembly tier-up) happens while the main thread starts the search,
 * not inside the thread's first trials, where, with every core busy training, it slowed
 * the first trials by a third to a half.
 */
import { buildModel } from '../core/models/build.js';
import type { Architecture } from '../core/models/types.js';
import { trainModel } from '../core/training/train.js';

const ARCHITECTURES: readonly Architecture[] = [
  {
    family: 'mlp',
    inputShape: [16],
    layers: [
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  },
  {
    family: 'cnn',
    inputShape: [8, 8, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' },
      { type: 'pool2d', mode: 'max' },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  },
];

/** Trains each warm-up model for two epochs of four batches; leaves no tensors behind. */
export async function warmUpTraining(): Promise<void> {
  for (const [i, architecture] of ARCHITECTURES.entries()) {
    const rowSize = architecture.inputShape.reduce((a, b) => a * b, 1);
    const count = 32;
    const x = Float32Array.from({ length: count * rowSize }, (_, j) => Math.sin(j * 12.9898 + i));
    const y = Float32Array.from({ length: count }, (_, j) => j % 3);
    const model = buildModel(architecture, i + 1);
    try {
      await trainModel(model, { count, x, y }, { count, x, y }, {
        epochs: 2, batchSize: 8, learningRate: 1e-3, optimizer: 'adam', patience: 2, seed: i + 1, classCount: 3, inputShape: architecture.inputShape,
      });
    } finally {
      model.dispose();
    }
  }
}
