/**
 * Standard test functions for optimizers, with their spaces and known minima: Branin
 * (2-D, three global minima) and Hartmann6 (6-D on the unit cube). Simple regret is the
 * best value found minus the global minimum.
 */
import type { ParameterDefinition } from '../src/core/space/define.js';
import type { Assignment } from '../src/core/space/space.js';

export interface TestFunction {
  readonly name: string;
  readonly space: Readonly<Record<string, ParameterDefinition>>;
  readonly minimum: number;
  evaluate(params: Assignment): number;
}

export const branin: TestFunction = {
  name: 'Branin',
  space: { x1: { min: -5, max: 10 }, x2: { min: 0, max: 15 } },
  minimum: 0.397887357729738,
  evaluate(p) {
    const x1 = Number(p.x1);
    const x2 = Number(p.x2);
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

export const hartmann6: TestFunction = {
  name: 'Hartmann6',
  space: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i + 1}`, { min: 0, max: 1 }])),
  minimum: -3.32236801141551,
  evaluate(p) {
    let total = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) {
        const x = Number(p[`x${j + 1}`]);
        inner += (H6_A[i] as number[])[j]! * (x - (H6_P[i] as number[])[j]!) ** 2;
      }
      total += (H6_ALPHA[i] as number) * Math.exp(-inner);
    }
    return -total;
  },
};

export const TEST_FUNCTIONS = [branin, hartmann6] as const;
