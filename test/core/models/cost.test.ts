/** estimateCost: parameter counts and FLOPs against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { describeArchitecture } from '../../../src/core/models/architecture.js';
import { attentionCost, estimateCost } from '../../../src/core/models/cost.js';
import type { Architecture } from '../../../src/core/models/types.js';
import { assignment } from './fixtures.js';

describe('estimateCost', () => {
  it('small MLP: [4] → dense 8 relu → dropout → dense 3 softmax', () => {
    const arch = describeArchitecture(assignment('mlp', { layers: 1, units: 8, dropout: 0.2, activation: 'relu' }), {
      task: 'classification',
      inputShape: [4],
      outputUnits: 3,
    });
    // hidden: 2·4·8 matmul + 8 bias + 8 relu = 80; dropout 0; head: 2·8·3 + 3 + 3·3 softmax = 60.
    // params: 4·8 + 8 = 40 and 8·3 + 3 = 27.
    expect(estimateCost(arch)).toEqual({ params: 67, flops: 140 });
  });

  it('small CNN: [4, 4, 1] → conv 3x3x2 relu → max pool → flatten → dense 3 softmax', () => {
    const arch = describeArchitecture(
      assignment('cnn', { blocks: 1, filters: 2, kernel: 3, activation: 'relu', pooling: 'max', dense: 0, dropout: 0 }),
      { task: 'classification', inputShape: [4, 4, 1], outputUnits: 3 },
    );
    // conv: 16 pixels × (2·9·1·2 + 2 bias + 2 relu) = 16 × 40 = 640; params 9·2 + 2 = 20.
    // pool: 2·2·2 outputs × 4 = 32. head: 8 → 3 softmax = 2·8·3 + 3 + 9 = 60; params 27.
    expect(estimateCost(arch)).toEqual({ params: 47, flops: 732 });
  });

  it('one LSTM layer: [3, 2] → lstm 4 → dense 1 linear', () => {
    const arch = describeArchitecture(assignment('rnn', { cell: 'lstm', layers: 1, units: 4, bidirectional: false, dropout: 0 }), {
      task: 'regression',
      inputShape: [3, 2],
      outputUnits: 1,
    });
    // per step: gates 2·(2 + 4)·16 = 192, bias 16, activations 5·4 = 20, cell 3·4 = 12, output 4 → 244.
    // 3 steps = 732; head 2·4·1 + 1 = 9. params: 4·(4·(2 + 4) + 4) = 112, head 5.
    expect(estimateCost(arch)).toEqual({ params: 117, flops: 741 });
  });

  it('bidirectional recurrent layers count both directions; GRU has three gates', () => {
    const arch = describeArchitecture(assignment('rnn', { cell: 'gru', layers: 1, units: 4, bidirectional: true, dropout: 0 }), {
      task: 'regression',
      inputShape: [3, 2],
      outputUnits: 1,
    });
    // per step and direction: 2·(2 + 4)·12 = 144 + bias 12 + r·h 4 + activations 12 + output 16 = 188.
    // 2 directions × 3 steps × 188 = 1128; head 2·8 + 1 = 17. params 2·3·(4·6 + 4) = 168, head 9.
    expect(estimateCost(arch)).toEqual({ params: 177, flops: 1145 });
  });

  it('one attention block: T = 3, width 4, 2 heads of 2', () => {
    // Q, K, V: 3 × 3·(2·4·4 + 4) = 324; scaling 3·4 = 12; scores 2·9·4 = 72; softmax 3·2·9 = 54;
    // weighted sum 72; output 3·(2·4·4 + 4) = 108. Params 4 × (4·4 + 4) = 80.
    expect(attentionCost(3, 4, 2, 2)).toEqual({ params: 80, flops: 642 });
  });

  it('one encoder block with its head', () => {
    const arch: Architecture = {
      family: 'transformer',
      inputShape: [3, 4],
      layers: [
        { type: 'transformerEncoder', heads: 2, headDim: 2, ffDim: 8, dropout: 0 },
        { type: 'sequencePool', mode: 'mean' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
    };
    // block: attention 642 + residual 12 + norm 7·12 = 84 + ff hidden 3·(2·4·8 + 8 + 8) = 240
    //        + ff output 3·(2·8·4 + 4) = 204 + residual 12 + norm 84 = 1278.
    // mean pool 12; head 2·4·2 + 2 + 3·2 = 24.
    // params: attention 80 + norms 2·8 + ff (32 + 8) + (32 + 4) + head 10 = 182.
    expect(estimateCost(arch)).toEqual({ params: 182, flops: 1314 });
  });

  it('grows with the sequence length quadratically only through attention', () => {
    const block = (steps: number) => attentionCost(steps, 4, 2, 2).flops;
    // flops(T) = a·T² + b·T, so the second difference is constant: 2a.
    const second = (t: number) => block(t + 2) - 2 * block(t + 1) + block(t);
    expect(second(1)).toBe(second(10));
    expect(second(1)).toBe(2 * (2 * 4 + 2 * 4 + 3 * 2));
  });
});
