/**
 * Grid search over a conditional space. Each family (or other root choice) spans its own
 * sub-grid of the parameters active under it; numeric ranges contribute `gridPoints`
 * evenly spaced levels (log-spaced on log ranges). Points are visited in a seeded random
 * order, so a budget smaller than the grid still covers it evenly, and a point already in
 * the history is never proposed again.
 */
import { InfeasibleSpaceError } from '../errors.js';
import { createRng } from '../random.js';
import type { Scalar } from '../space/catalog.js';
import { assignmentKey, fromUnit, isActive } from '../space/space.js';
import type { Assignment, Parameter, SearchSpace } from '../space/space.js';
import type { Proposal, ProposeRequest, Strategy } from './strategy.js';

/** Grids larger than this are refused: lower gridPoints or narrow the space. */
export const MAX_GRID_POINTS = 2_000_000;

export interface GridState {
  /** Position in the seeded visiting order. */
  readonly cursor: number;
}

/** The distinct values a parameter takes on the grid. */
export function gridLevels(parameter: Parameter, points: number): readonly Scalar[] {
  if (parameter.kind === 'categorical') return parameter.choices;
  const levels = Array.from({ length: points }, (_, i) => fromUnit(parameter, points === 1 ? 0.5 : i / (points - 1)));
  if (parameter.kind === 'int') levels[levels.length - 1] = parameter.high;
  return [...new Set(levels)];
}

/** A sub-grid: the root choices fixed, and the levels of every parameter active under them. */
interface Block {
  readonly fixed: Assignment;
  readonly axes: readonly { name: string; levels: readonly Scalar[] }[];
  readonly size: number;
}

/**
 * Split the space into blocks. Conditions here depend on one root parameter (family), so
 * each root value yields one block; unconditioned parameters appear in every block.
 */
function blocksOf(space: SearchSpace, points: number): Block[] {
  const roots = space.parameters.filter((p) => !p.condition);
  const parents = new Set(space.parameters.flatMap((p) => (p.condition ? [p.condition.parameter] : [])));
  const branching = roots.filter((p) => parents.has(p.name));
  const combos = branching.reduce<Record<string, Scalar>[]>(
    (acc, p) => acc.flatMap((partial) => gridLevels(p, points).map((v) => ({ ...partial, [p.name]: v }))),
    [{}],
  );
  return combos.map((fixed) => {
    const axes = space.parameters
      .filter((p) => !(p.name in fixed) && isActive(p, fixed))
      .map((p) => ({ name: p.name, levels: gridLevels(p, points) }));
    return { fixed, axes, size: axes.reduce((n, a) => n * a.levels.length, 1) };
  });
}

/** The grid point at `index` (0-based over all blocks), decoded in mixed radix. */
function pointAt(blocks: readonly Block[], index: number): Assignment {
  let rest = index;
  for (const block of blocks) {
    if (rest >= block.size) {
      rest -= block.size;
      continue;
    }
    const point: Record<string, Scalar> = { ...block.fixed };
    for (let a = block.axes.length - 1; a >= 0; a--) {
      const axis = block.axes[a] as Block['axes'][number];
      point[axis.name] = axis.levels[rest % axis.levels.length] as Scalar;
      rest = Math.floor(rest / axis.levels.length);
    }
    return point;
  }
  throw new RangeError(`grid index ${index} out of range`);
}

/** The full grid size for a space. */
export function gridSize(space: SearchSpace, points: number): number {
  return blocksOf(space, points).reduce((n, b) => n + b.size, 0);
}

/** A grid strategy with `points` levels per numeric range. */
export function gridStrategy(points = 3): Strategy<GridState> {
  return {
    name: 'grid',
    propose({ space, seed, history, state, count, feasible }: ProposeRequest<GridState>): Proposal<GridState> {
      const blocks = blocksOf(space, points);
      const total = blocks.reduce((n, b) => n + b.size, 0);
      if (total > MAX_GRID_POINTS) {
        throw new InfeasibleSpaceError(
          `the grid has ${total.toLocaleString('en-US')} points (more than ${MAX_GRID_POINTS.toLocaleString('en-US')}); lower strategy.gridPoints or narrow the space`,
          { context: { total } },
        );
      }
      const order = createRng(seed, 'grid').shuffle(Array.from({ length: total }, (_, i) => i));
      const seen = new Set(history.map((o) => assignmentKey(o.assignment)));
      const assignments: Assignment[] = [];
      let cursor = state?.cursor ?? 0;
      while (assignments.length < count && cursor < total) {
        const point = pointAt(blocks, order[cursor] as number);
        cursor++;
        const key = assignmentKey(point);
        if (seen.has(key) || !(feasible?.(point) ?? true)) continue;
        seen.add(key);
        assignments.push(point);
      }
      return { candidates: assignments.map((assignment) => ({ assignment })), state: { cursor }, exhausted: cursor >= total };
    },
  };
}
