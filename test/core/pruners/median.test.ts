/**
 * The median stopping rule: thresholds computed by hand from small curves, the warm-up and
 * minimum-trials settings, and the prune decisions a training loop would get.
 */
import { describe, expect, it } from 'vitest';
import { medianStoppingRule, shouldPrune, type PruningRule } from '../../../src/core/pruners/index.js';

// Validation losses after epochs 1, 2, 3, 4 (lower is better).
const A = [1.0, 0.8, 0.6, 0.5]; // running best 1.0 0.8 0.6 0.5
const B = [0.9, 0.95, 0.7, 0.65]; // running best 0.9 0.9 0.7 0.65
const C = [1.2, 0.7, 0.75, 0.4]; // running best 1.2 0.7 0.7 0.4
const D = [1.1, 0.6]; // running best 1.1 0.6 (stopped early)

describe('medianStoppingRule', () => {
  it("takes per-epoch medians of the completed trials' running best", () => {
    const rule = medianStoppingRule([A, B, C], { warmupEpochs: 0, minTrials: 3 });
    // epoch 1: {1.0, 0.9, 1.2}; 2: {0.8, 0.9, 0.7}; 3: {0.6, 0.7, 0.7}; 4: {0.5, 0.65, 0.4}
    expect(rule).toEqual({ kind: 'thresholds', warmupEpochs: 0, thresholds: [1.0, 0.8, 0.7, 0.5] });
  });

  it('averages the two middle values of an even count, and uses only curves that reached the epoch', () => {
    const rule = medianStoppingRule([A, B, C, D], { warmupEpochs: 1, minTrials: 3 });
    // epoch 1: {0.9, 1.0, 1.1, 1.2} -> 1.05; 2: {0.6, 0.7, 0.8, 0.9} -> 0.75; 3 and 4 as before (D stopped)
    expect(rule?.warmupEpochs).toBe(1);
    expect(rule?.thresholds).toHaveLength(4);
    [1.05, 0.75, 0.7, 0.5].forEach((t, i) => expect(rule?.thresholds[i]).toBeCloseTo(t, 12));
  });

  it('stops the thresholds where fewer than minTrials curves reach an epoch', () => {
    const rule = medianStoppingRule([A, B, C, D], { warmupEpochs: 0, minTrials: 4 });
    expect(rule?.thresholds).toHaveLength(2);
    expect(rule?.thresholds[1]).toBeCloseTo(0.75, 12);
  });

  it('is null when too few trials are done or nothing after the warm-up has a threshold', () => {
    expect(medianStoppingRule([], { warmupEpochs: 0, minTrials: 1 })).toBeNull();
    expect(medianStoppingRule([A, B], { warmupEpochs: 0, minTrials: 3 })).toBeNull();
    expect(medianStoppingRule([A, B, C], { warmupEpochs: 4, minTrials: 3 })).toBeNull();
    expect(medianStoppingRule([A, B, C], { warmupEpochs: 3, minTrials: 3 })).not.toBeNull();
  });

  it('ignores non-finite values in completed curves and returns plain JSON', () => {
    const rule = medianStoppingRule([A, B, [NaN, 0.5, 0.45, 0.3]], { warmupEpochs: 0, minTrials: 3 });
    // epoch 1: only A and B are finite -> fewer than 3 -> no thresholds at all
    expect(rule).toBeNull();
    const two = medianStoppingRule([A, B, [NaN, 0.5, 0.45, 0.3]], { warmupEpochs: 0, minTrials: 2 });
    // epoch 1: {1.0, 0.9} -> 0.95; 2: {0.8, 0.9, 0.5} -> 0.8; 3: {0.6, 0.7, 0.45} -> 0.6; 4: {0.5, 0.65, 0.3} -> 0.5
    [0.95, 0.8, 0.6, 0.5].forEach((t, i) => expect(two?.thresholds[i]).toBeCloseTo(t, 12));
    expect(JSON.parse(JSON.stringify(two))).toEqual(two);
  });

  it('rejects bad options', () => {
    expect(() => medianStoppingRule([A], { warmupEpochs: -1, minTrials: 1 })).toThrow(RangeError);
    expect(() => medianStoppingRule([A], { warmupEpochs: 0, minTrials: 0 })).toThrow(RangeError);
  });
});

describe('shouldPrune', () => {
  const rule: PruningRule = { kind: 'thresholds', warmupEpochs: 1, thresholds: [1.0, 0.8, 0.7, 0.5] };

  it('prunes when the best value so far is strictly worse than the median at that epoch', () => {
    expect(shouldPrune(rule, [1.3, 0.85])).toBe(true); // best 0.85 > 0.8
    expect(shouldPrune(rule, [1.3, 0.8])).toBe(false); // equal to the median: keep
    expect(shouldPrune(rule, [0.75, 0.9])).toBe(false); // best so far 0.75 beats 0.8
    expect(shouldPrune(rule, [1.3, 0.9, 0.69])).toBe(false); // 0.69 < 0.7
    expect(shouldPrune(rule, [1.3, 0.9, 0.72, 0.55])).toBe(true); // 0.55 > 0.5
  });

  it('never prunes during the warm-up or past the last threshold', () => {
    expect(shouldPrune(rule, [])).toBe(false);
    expect(shouldPrune(rule, [5])).toBe(false); // epoch 1 is warm-up
    expect(shouldPrune(rule, [5, 5, 5, 5, 5])).toBe(false); // epoch 5 has no threshold
  });

  it('prunes a curve with no finite value after the warm-up, and skips non-finite epochs otherwise', () => {
    expect(shouldPrune(rule, [NaN, NaN])).toBe(true);
    expect(shouldPrune(rule, [0.7, NaN])).toBe(false); // best so far 0.7 <= 0.8
  });

  it('agrees with a rule computed from curves, epoch by epoch', () => {
    const computed = medianStoppingRule([A, B, C], { warmupEpochs: 0, minTrials: 3 }) as PruningRule;
    const curve = [0.95, 0.85, 0.65, 0.6];
    expect(curve.map((_, e) => shouldPrune(computed, curve.slice(0, e + 1)))).toEqual([false, true, false, true]);
  });
});
