/**
 * Pareto dominance for multi-objective search: which points dominate which, the
 * non-dominated fronts (fast non-dominated sorting), crowding distance within a front,
 * and a total ranking (front first, then crowding) used by NSGA-II selection and by
 * multi-fidelity promotion when there are several objectives.
 */
import type { Direction } from '../metrics/names.js';

/** Objective vectors turned so that larger is better in every coordinate. */
function oriented(values: readonly number[], directions: readonly Direction[]): number[] {
  return values.map((v, i) => (directions[i] === 'minimize' ? -v : v));
}

/** True when `a` is at least as good as `b` everywhere and strictly better somewhere. */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  const x = oriented(a, directions);
  const y = oriented(b, directions);
  let strictly = false;
  for (let i = 0; i < x.length; i++) {
    if ((x[i] as number) < (y[i] as number)) return false;
    if ((x[i] as number) > (y[i] as number)) strictly = true;
  }
  return strictly;
}

/** Indices grouped into fronts: front 0 is non-dominated, front 1 is dominated only by front 0, ... */
export function nonDominatedFronts(points: readonly (readonly number[])[], directions: readonly Direction[]): number[][] {
  const n = points.length;
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  const fronts: number[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      if (dominates(points[p] as number[], points[q] as number[], directions)) {
        (dominating[p] as number[]).push(q);
        dominatedBy[q] = (dominatedBy[q] as number) + 1;
      } else if (dominates(points[q] as number[], points[p] as number[], directions)) {
        (dominating[q] as number[]).push(p);
        dominatedBy[p] = (dominatedBy[p] as number) + 1;
      }
    }
    if (dominatedBy[p] === 0) (fronts[0] as number[]).push(p);
  }
  // Points examined earlier may have gained dominators later in the loop.
  fronts[0] = (fronts[0] as number[]).filter((p) => dominatedBy[p] === 0);
  for (let f = 0; (fronts[f] as number[]).length > 0; f++) {
    const next: number[] = [];
    for (const p of fronts[f] as number[]) {
      for (const q of dominating[p] as number[]) {
        dominatedBy[q] = (dominatedBy[q] as number) - 1;
        if (dominatedBy[q] === 0) next.push(q);
      }
    }
    fronts.push(next);
  }
  fronts.pop();
  return fronts.map((front) => front.sort((a, b) => a - b));
}

/** Crowding distance of each member of one front (boundary points get Infinity). */
export function crowdingDistances(points: readonly (readonly number[])[], front: readonly number[]): Map<number, number> {
  const distance = new Map<number, number>(front.map((i) => [i, 0]));
  if (front.length <= 2) {
    for (const i of front) distance.set(i, Infinity);
    return distance;
  }
  const objectives = (points[front[0] as number] as number[]).length;
  for (let m = 0; m < objectives; m++) {
    const sorted = [...front].sort((a, b) => (points[a] as number[])[m]! - (points[b] as number[])[m]! || a - b);
    const low = (points[sorted[0] as number] as number[])[m] as number;
    const high = (points[sorted[sorted.length - 1] as number] as number[])[m] as number;
    distance.set(sorted[0] as number, Infinity);
    distance.set(sorted[sorted.length - 1] as number, Infinity);
    if (high === low) continue;
    for (let k = 1; k < sorted.length - 1; k++) {
      const gap = ((points[sorted[k + 1] as number] as number[])[m]! - (points[sorted[k - 1] as number] as number[])[m]!) / (high - low);
      distance.set(sorted[k] as number, (distance.get(sorted[k] as number) as number) + gap);
    }
  }
  return distance;
}

/** Indices ordered best first: by front, then by larger crowding distance, then by index. */
export function paretoRanking(points: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  const order: number[] = [];
  for (const front of nonDominatedFronts(points, directions)) {
    const crowding = crowdingDistances(points, front);
    order.push(...[...front].sort((a, b) => (crowding.get(b) as number) - (crowding.get(a) as number) || a - b));
  }
  return order;
}

/** The indices of the non-dominated points. */
export function paretoFront(points: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  return nonDominatedFronts(points, directions)[0] ?? [];
}
