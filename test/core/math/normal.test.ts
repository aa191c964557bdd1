/**
 * The normal-distribution numerics against high-precision reference values: erf/erfc,
 * the scaled erfcx, log Φ deep in the lower tail, and the log-EI core log h(z) with its
 * derivative.
 */
import { describe, expect, it } from 'vitest';
import { erf, erfc, erfcx, logEiCore, logEiCoreDerivative, logNormalCdf, normalCdf, normalPdf } from '../../../src/core/math/normal.js';

const close = (actual: number, expected: number, relative: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));

describe('normal numerics', () => {
  it('matches reference values of erf, erfc and erfcx', () => {
    close(erf(0.5), 0.52049987781304653768, 1e-14);
    close(erf(-0.5), -0.52049987781304653768, 1e-14);
    close(erfc(3), 2.2090496998585441373e-5, 1e-13);
    close(erfc(10), 2.088487583762544757e-45, 1e-13);
    close(erfcx(3), 0.17900115118138995042, 1e-13);
    close(erfcx(20), 0.028174348741051319319, 1e-13);
    expect(erfc(-2) + erfc(2)).toBeCloseTo(2, 15);
  });

  it('computes Φ and log Φ accurately, including far in the lower tail', () => {
    close(normalCdf(-1.96), 0.024997895148220435, 1e-13);
    expect(normalCdf(0)).toBe(0.5);
    const reference: [number, number][] = [
      [-40, -804.60844201375378817],
      [-10, -53.231285150512470578],
      [-5, -15.064998393988725736],
      [-1.5, -2.705944400823889807],
      [0.5, -0.36894641528865639307],
      [3, -0.0013508099647481937988],
    ];
    for (const [z, expected] of reference) close(logNormalCdf(z), expected, 1e-12);
  });

  it('computes log h(z) = log(φ(z) + zΦ(z)) stably on both sides of the switch and in the tail', () => {
    const reference: [number, number][] = [
      [-1000, -500014.73445209115845],
      [-40, -808.29856835661996024],
      [-8, -37.122364261692633],
      [-3, -7.8696860596030285171],
      [-1.2, -2.8805757826097245525],
      [-0.5, -1.6205162643873199193],
      [0, -0.91893853320467274178],
      [2, 0.69738354578822831219],
    ];
    for (const [z, expected] of reference) close(logEiCore(z), expected, 1e-11);
    // Continuous across the branch points, finite and decreasing far out.
    close(logEiCore(-1 - 1e-12), logEiCore(-1 + 1e-12), 1e-9);
    const tail = [-1e4, -1e6, -1e8, -1e10, -1e150].map(logEiCore);
    for (const v of tail) expect(Number.isFinite(v)).toBe(true);
    for (let i = 1; i < tail.length; i++) expect(tail[i] as number).toBeLessThan(tail[i - 1] as number);
  });

  it('differentiates log h(z) as Φ(z)/h(z)', () => {
    for (const z of [-30, -6, -2, -1, -0.3, 0.7, 4]) {
      const h = 1e-6 * Math.max(1, Math.abs(z));
      const numeric = (logEiCore(z + h) - logEiCore(z - h)) / (2 * h);
      close(logEiCoreDerivative(z), numeric, 1e-6);
    }
    expect(logEiCoreDerivative(0)).toBeCloseTo(0.5 / normalPdf(0), 12);
  });
});
