/**
 * Splitting examples for honest evaluation: a held-out test split scored once, k folds
 * for cross-validation (stratified for classification, forward-chaining for sequences so
 * no fold trains on its future), and an inner validation share for early stopping. All
 * splits are seeded and return example positions (indices into `problem.examples`).
 */
import { DatasetError } from '../errors.js';
import type { Rng } from '../random.js';

export interface Fold {
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/** How to split: by class (stratified), at random, or in time order. */
export type SplitMode = { kind: 'stratified'; labels: Int32Array; classes: readonly string[] } | { kind: 'shuffled' } | { kind: 'ordered' };

/** Positions 0..n-1 grouped by class, each group shuffled. */
function groupsByClass(labels: Int32Array, positions: Int32Array, rng: Rng): number[][] {
  const groups = new Map<number, number[]>();
  for (const p of positions) {
    const label = labels[p] as number;
    let group = groups.get(label);
    if (!group) groups.set(label, (group = []));
    group.push(p);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((k) => rng.shuffle(groups.get(k) as number[]));
}

/**
 * Split positions into (rest, held-out) with `fraction` held out. Stratified splits keep
 * class proportions; ordered splits hold out the last positions.
 */
export function holdOut(positions: Int32Array, fraction: number, mode: SplitMode, rng: Rng): Fold {
  if (mode.kind === 'ordered') {
    const cut = positions.length - Math.max(1, Math.round(positions.length * fraction));
    return { train: positions.slice(0, cut), validation: positions.slice(cut) };
  }
  const held: number[] = [];
  const kept: number[] = [];
  if (mode.kind === 'stratified') {
    for (const group of groupsByClass(mode.labels, positions, rng)) {
      // Largest-remainder rounding would be exact; per-class rounding is close and keeps every class in training.
      const take = group.length > 1 ? Math.min(group.length - 1, Math.round(group.length * fraction)) : 0;
      held.push(...group.slice(0, take));
      kept.push(...group.slice(take));
    }
  } else {
    const shuffled = rng.shuffle(Array.from(positions));
    const take = Math.max(1, Math.round(shuffled.length * fraction));
    held.push(...shuffled.slice(0, take));
    kept.push(...shuffled.slice(take));
  }
  if (held.length === 0 || kept.length === 0) {
    throw new DatasetError(`too few examples (${positions.length}) to hold out ${Math.round(fraction * 100)}%`);
  }
  return { train: Int32Array.from(kept).sort(), validation: Int32Array.from(held).sort() };
}

/**
 * k folds over positions. Stratified: each class is dealt round-robin so every fold holds
 * its share; a class with fewer examples than folds is an error. Ordered: forward
 * chaining — fold i validates on block i+1 and trains on every block before it.
 */
export function kFolds(positions: Int32Array, k: number, mode: SplitMode, rng: Rng): Fold[] {
  if (positions.length < k * 2) {
    throw new DatasetError(`evaluation.folds: ${k} folds need at least ${k * 2} examples for cross-validation; there are ${positions.length}`);
  }
  if (mode.kind === 'ordered') {
    const blocks = k + 1;
    const edge = (b: number) => Math.round((positions.length * b) / blocks);
    return Array.from({ length: k }, (_, i) => ({
      train: positions.slice(0, edge(i + 1)),
      validation: positions.slice(edge(i + 1), edge(i + 2)),
    }));
  }
  const foldOf = new Int32Array(positions.length);
  const indexOf = new Map<number, number>();
  positions.forEach((p, i) => indexOf.set(p, i));
  if (mode.kind === 'stratified') {
    let offset = 0;
    for (const group of groupsByClass(mode.labels, positions, rng)) {
      if (group.length < k) {
        const label = mode.labels[group[0] as number] as number;
        throw new DatasetError(
          `evaluation.folds: class ${JSON.stringify(mode.classes[label] ?? String(label))} has ${group.length} example(s) outside the test split, fewer than the ${k} folds; lower evaluation.folds or add examples`,
          { context: { class: mode.classes[label], count: group.length, folds: k } },
        );
      }
      // Continue the round-robin where the previous class stopped, so fold sizes stay even.
      group.forEach((p, j) => (foldOf[indexOf.get(p) as number] = (offset + j) % k));
      offset = (offset + group.length) % k;
    }
  } else {
    rng.shuffle(Array.from(positions.keys())).forEach((i, j) => (foldOf[i] = j % k));
  }
  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const validation: number[] = [];
    positions.forEach((p, i) => (foldOf[i] === f ? validation : train).push(p));
    return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
  });
}
