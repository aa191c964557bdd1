/**
 * Points chosen without the objective model: the seeded space-filling design that opens
 * a search (a scrambled Halton sequence over the raw cube, skipping points already tried
 * or ruled out by known constraints), and a seeded random fallback for when the
 * acquisition search finds nothing new.
 */
import { ScrambledHalton } from '../../math/halton.js';
import { createRng } from '../../random.js';
import { sampleAssignment, type Assignment, type SearchSpace } from '../../space/space.js';
import { logProbabilityOfFeasibility } from './acquisition.js';
import type { SpaceEncoding } from './encoding.js';
import type { GaussianProcess } from './gaussian-process.js';

/** Design points examined before concluding the space is used up. */
const MAX_DESIGN_SCAN = 4096;
/** Acceptable design points ranked by predicted feasibility when a feasibility model exists. */
const FEASIBILITY_CHOICES = 32;
/** Random draws tried by the fallback. */
const FALLBACK_DRAWS = 256;

/**
 * The first acceptable point of the seeded design; with a feasibility model, the likeliest
 * feasible of the next few acceptable ones. Undefined when none is left.
 */
export function designPoint(
  encoding: SpaceEncoding,
  seed: number,
  accept: (assignment: Assignment) => boolean,
  feasibility?: GaussianProcess,
): Assignment | undefined {
  const halton = new ScrambledHalton(encoding.rawDimension, createRng(seed, 'bayesian', 'design'));
  const raw = new Float64Array(encoding.rawDimension);
  let best: { assignment: Assignment; score: number } | undefined;
  let found = 0;
  for (let i = 0; i < MAX_DESIGN_SCAN; i++) {
    const assignment = encoding.decode(halton.point(i, raw));
    if (!accept(assignment)) continue;
    if (!feasibility) return assignment;
    const score = logProbabilityOfFeasibility(feasibility, encoding.encode(assignment));
    if (!best || score > best.score) best = { assignment, score };
    if (++found >= FEASIBILITY_CHOICES) break;
  }
  return best?.assignment;
}

/** A seeded random acceptable point for trial `number`, or undefined after many tries. */
export function fallbackPoint(space: SearchSpace, seed: number, number: number, accept: (assignment: Assignment) => boolean): Assignment | undefined {
  for (let attempt = 0; attempt < FALLBACK_DRAWS; attempt++) {
    const assignment = sampleAssignment(space, createRng(seed, 'bayesian', 'fallback', number, attempt));
    if (accept(assignment)) return assignment;
  }
  return undefined;
}
