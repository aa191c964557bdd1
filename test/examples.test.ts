/**
 * The runnable examples stay runnable: the ask/tell script (which imports the package by its
 * own name, as a user's script would) minimizes Branin close to its known minimum.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, PROJECT_ROOT } from './helpers.js';

describe('examples', () => {
  it('ask-tell.ts runs from a plain script and finds the Branin minimum', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(EXAMPLES, 'ask-tell.ts')], { cwd: PROJECT_ROOT, timeout: 120_000 });
    const match = /best of (\d+) trials: f\(([-\d.]+), ([-\d.]+)\) = ([\d.]+)/.exec(stdout);
    expect(match, stdout).not.toBeNull();
    expect(Number(match?.[1])).toBe(50);
    // Branin's minimum is 0.397887; 50 Bayesian trials get within 0.01 of it.
    expect(Number(match?.[4])).toBeLessThan(0.397887 + 0.01);
  }, 120_000);
});
