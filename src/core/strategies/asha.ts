/**
 * ASHA, asynchronous successive halving: every free worker gets a job at once — the
 * promotion of a configuration in the top 1/η of its rung if there is one, else a new
 * configuration at the lowest rung — so no worker waits for a rung to finish.
 */
import { assignmentKey, type Assignment } from '../space/space.js';
import {
  checkMultiFidelityOptions,
  configurationHash,
  drawConfigurations,
  indexHistory,
  locate,
  rankBest,
  resolveLadder,
  rungFidelities,
  type Job,
  type Ladder,
  type MultiFidelityOptions,
} from './hyperband.js';
import type { Candidate, Observation, Proposal, ProposeRequest, Strategy } from './strategy.js';

/** ASHA's stored state (plain JSON). */
export interface AshaState extends Ladder {
  /** Random configurations drawn so far (numbers the sampling streams). */
  readonly sampled: number;
  /** Every trial ASHA started, in the order proposed. */
  readonly jobs: readonly Job[];
}

/**
 * ASHA over the rungs of {@link rungFidelities}. For each free slot (`count`), from the
 * highest rung down: promote the best configuration that ranks in the top
 * `floor(finished / η)` of its rung and was not promoted yet (`finished` counts completed,
 * failed and pruned trials; only completed ones rank, by value or by Pareto ranking on
 * several objectives); otherwise start a new configuration at the lowest rung. It never
 * reports exhaustion on its own — the budget stops it — except when the space holds no
 * fresh configuration and nothing is left to promote or wait for.
 */
export function ashaStrategy(options: MultiFidelityOptions = {}): Strategy<AshaState> {
  checkMultiFidelityOptions('asha', options);
  return {
    name: 'asha',
    propose(request: ProposeRequest<AshaState>): Proposal<AshaState> {
      const given = request.state ?? { ...resolveLadder('asha', options, request), sampled: 0, jobs: [] };
      const ladder = rungFidelities(given.min, given.max, given.eta);
      const top = ladder.length - 1;
      const index = indexHistory(request.history, given.max);
      const jobs: Job[] = [...given.jobs];

      // What each rung has finished so far, and which trials were promoted already.
      const finished = ladder.map(() => 0);
      const scored: Observation[][] = ladder.map(() => []);
      const promoted = new Set<number>();
      let waiting = 0;
      for (const job of jobs) {
        if (job.p !== undefined) promoted.add(job.p);
        const o = locate(job, ladder[job.r] as number, index);
        if (!o || o.outcome === 'infeasible') continue;
        if (o.outcome === 'pending') waiting++;
        else {
          finished[job.r] = (finished[job.r] as number) + 1;
          (scored[job.r] as Observation[]).push(o);
        }
      }
      const eligible = ladder.map((_, k) =>
        k < top ? rankBest(scored[k] as Observation[], request).slice(0, Math.floor((finished[k] as number) / given.eta)) : [],
      );

      const candidates: Candidate[] = [];
      const pending: Observation[] = [];
      const start = (assignment: Assignment, rung: number, promotes?: number): void => {
        const n = index.nextNumber + candidates.length;
        const fidelity = ladder[rung] as number;
        jobs.push({ n, h: configurationHash(assignment), r: rung, ...(promotes === undefined ? {} : { p: promotes }) });
        candidates.push({ assignment, fidelity, ...(promotes === undefined ? {} : { promotes }) });
        pending.push({ number: n, assignment, outcome: 'pending', fidelity });
      };
      slots: while (candidates.length < request.count) {
        for (let k = top - 1; k >= 0; k--) {
          const above = ladder[k + 1] as number;
          const next = (eligible[k] as Observation[]).find(
            (o) =>
              !promoted.has(o.number) &&
              (request.feasible?.(o.assignment) ?? true) &&
              !index.keysAt.has(`${assignmentKey(o.assignment)}@${above}`),
          );
          if (next) {
            promoted.add(next.number);
            start(next.assignment, k + 1, next.number);
            continue slots;
          }
        }
        break;
      }
      const need = request.count - candidates.length;
      const drawn = drawConfigurations(request, need, index, pending, 'asha', given.sampled, options.sampler);
      for (const a of drawn.assignments) start(a, 0);
      const exhausted = need > 0 && drawn.assignments.length === 0 && candidates.length === 0 && waiting === 0;
      return { candidates, state: { eta: given.eta, min: given.min, max: given.max, sampled: drawn.sampled, jobs }, exhausted };
    },
  };
}
