/**
 * Random search: each trial's assignment is drawn independently from a stream seeded by
 * the search seed and the trial's number, so the n-th proposal is the same however the
 * search was split among lanes or resumed. Exact repeats of earlier points are redrawn.
 */
import { createRng } from '../random.js';
import { assignmentKey, sampleAssignment } from '../space/space.js';
import type { Assignment } from '../space/space.js';
import type { Proposal, ProposeRequest, Strategy } from './strategy.js';

/** How often a repeated (or known-infeasible) point is redrawn before the space is considered used up. */
const MAX_REDRAWS = 64;

export const randomStrategy: Strategy<null> = {
  name: 'random',
  propose({ space, seed, history, count, feasible }: ProposeRequest<null>): Proposal<null> {
    const seen = new Set(history.map((o) => assignmentKey(o.assignment)));
    const assignments: Assignment[] = [];
    let exhausted = false;
    for (let i = 0; i < count; i++) {
      const number = history.length + assignments.length;
      let drawn: Assignment | undefined;
      for (let attempt = 0; attempt < MAX_REDRAWS && !drawn; attempt++) {
        const candidate = sampleAssignment(space, createRng(seed, 'random', number, attempt));
        if (!seen.has(assignmentKey(candidate)) && (feasible?.(candidate) ?? true)) drawn = candidate;
      }
      if (!drawn) {
        exhausted = true;
        break;
      }
      seen.add(assignmentKey(drawn));
      assignments.push(drawn);
    }
    return { candidates: assignments.map((assignment) => ({ assignment })), state: null, exhausted };
  },
};
