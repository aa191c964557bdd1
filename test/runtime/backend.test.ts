/**
 * Tests backend selection: `auto` picks wasm on a machine without a loadable
 * `@tensorflow/tfjs-node` (and says why), explicit preferences behave, and repeated
 * calls are cheap and stable.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend } from '../../src/runtime/backend.js';

function nodePackageInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

const nodeInstalled = nodePackageInstalled();

describe('initBackend', () => {
  it("'auto' picks the fastest backend that loads and says why it skipped the others", async () => {
    const info = await initBackend('auto');
    if (nodeInstalled) {
      // tfjs-node is installed: it is used, or the note says why its binary did not load.
      if (info.name === 'tensorflow') expect(tf.getBackend()).toBe('tensorflow');
      else expect(info.detail).toContain('@tensorflow/tfjs-node not used: installed but');
      return;
    }
    expect(info.name).toBe('wasm');
    expect(info.detail).toMatch(/^wasm \((SIMD|no SIMD), \d+ threads?\)/);
    expect(info.detail).toContain('@tensorflow/tfjs-node not used: not installed');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('is idempotent: a second call returns the same answer without re-selecting', async () => {
    const first = await initBackend('auto');
    const second = await initBackend('auto');
    expect(second).toBe(first);
    expect(await initBackend()).toBe(first);
  });

  it('trains a conv layer on the selected backend (training kernels are registered)', async () => {
    const info = await initBackend('auto');
    const grad = tf.tidy(() => {
      const x = tf.ones([1, 5, 5, 2]);
      const g = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 2, 4]));
      return Array.from(g.dataSync());
    });
    expect(tf.getBackend()).toBe(info.name);
    // Each filter tap sees the input pixels its offset keeps inside the 5x5 image.
    expect(grad.slice(0, 4)).toEqual([16, 16, 16, 16]);
    expect(grad[4 * 2 * 4]).toBe(25); // centre tap (1, 1), channel 0: every pixel
  });

  it("'cpu' switches to the cpu backend, and 'auto' switches back", async () => {
    const cpu = await initBackend('cpu');
    expect(cpu).toEqual({ name: 'cpu', detail: 'cpu (pure JavaScript)' });
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
    const auto = await initBackend('auto');
    expect(tf.getBackend()).toBe(auto.name);
  });

  it("'wasm' selects wasm without the tfjs-node note", async () => {
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(info.detail).toMatch(/^wasm \((SIMD|no SIMD), \d+ threads?\)$/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it("'node' uses tfjs-node, or fails with a clear error saying why not", async () => {
    if (nodeInstalled) {
      const outcome = await initBackend('node').then(
        (info) => info.name,
        (error: Error) => error.message,
      );
      expect(outcome).toMatch(/^(tensorflow|@tensorflow\/tfjs-node cannot be used: installed but .+)$/);
      return;
    }
    await expect(initBackend('node')).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend('node')).rejects.toThrow('@tensorflow/tfjs-node cannot be used: not installed');
  });
});
