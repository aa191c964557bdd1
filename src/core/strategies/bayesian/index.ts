/**
 * Bayesian optimization: a Gaussian process (ARD Matérn 5/2) models the objective, a
 * second process models measured feasibility, and each trial maximizes log(EI × PF) over
 * the space. A seeded space-filling design comes first; pending trials and earlier picks
 * of the same batch are fantasized at their posterior mean (kriging believer). The
 * fitted hyperparameters are the only state, kept to warm-start the next fit.
 */
import { ScrambledHalton } from '../../math/halton.js';
import { createRng } from '../../random.js';
import { assignmentKey, type Assignment } from '../../space/space.js';
import type { Proposal, ProposeRequest, Strategy } from '../strategy.js';
import type { AcquisitionModel } from './acquisition.js';
import { designPoint, fallbackPoint } from './design.js';
import { SpaceEncoding } from './encoding.js';
import type { GaussianProcess } from './gaussian-process.js';
import { completedTrials, feasibilityModel, objectiveModel, type ModelState, type ObjectiveModel } from './models.js';
import { maximizeAcquisition } from './optimize-acquisition.js';

export type { ModelState } from './models.js';

/** Tuning knobs of the Bayesian strategy; the defaults suit most searches. */
export interface BayesianOptions {
  /** Trials of the space-filling design before the model takes over (default max(5, parameters + 1)). */
  readonly initialTrials?: number;
  /** Largest quasi-random pool scored per proposal (default 2048; smaller as the history grows). */
  readonly candidates?: number;
  /** Local searches per proposal (default 5). */
  readonly restarts?: number;
}

/** What the strategy keeps between calls: the last fitted hyperparameters. */
export interface BayesianState {
  readonly version: 1;
  /** The objective process's fit, null before the first one. */
  readonly objective: ModelState | null;
  /** The feasibility process's fit, null until a trial was infeasible. */
  readonly feasibility: ModelState | null;
}

/** The quasi-random pool scales as this work budget over the cost of bounding one point. */
const POOL_WORK = 1.2e6;
/** Smallest quasi-random pool. */
const MIN_POOL = 256;
/** Quasi-Newton iterations of each local refinement, for short and long histories. */
const LOCAL_ITERATIONS = { short: 30, long: 20, longFrom: 100 } as const;

/** Quasi-random pool size for a process of `n` points on `features` inputs. */
function poolSize(maximum: number, n: number, features: number): number {
  return Math.max(Math.min(MIN_POOL, maximum), Math.min(maximum, Math.round(POOL_WORK / (n * (features + 8)))));
}

/** The Bayesian-optimization strategy. */
export function bayesianStrategy(options: BayesianOptions = {}): Strategy<BayesianState> {
  return {
    name: 'bayesian',
    propose(request: ProposeRequest<BayesianState>): Proposal<BayesianState> {
      const { space, seed, history, count, feasible } = request;
      const encoding = new SpaceEncoding(space);
      const initialTrials = Math.max(0, options.initialTrials ?? Math.max(5, encoding.searchDimension + 1));
      const restarts = Math.max(1, Math.floor(options.restarts ?? 5));
      const largestPool = Math.max(1, Math.floor(options.candidates ?? 2048));
      const completed = completedTrials(history);
      const infeasible = history.filter((o) => o.outcome === 'infeasible');
      const pending = history.filter((o) => o.outcome === 'pending').map((o) => o.assignment);
      const seen = new Set(history.map((o) => assignmentKey(o.assignment)));
      const accept = (a: Assignment) => !seen.has(assignmentKey(a)) && (feasible?.(a) ?? true);
      let objectiveState = request.state?.objective ?? null;
      let feasibilityState = request.state?.feasibility ?? null;

      // Models are fitted when first needed, at most once per call.
      let feasibility: GaussianProcess | undefined;
      let feasibilityFitted = false;
      const feasibilityProcess = (): GaussianProcess | undefined => {
        if (!feasibilityFitted && infeasible.length > 0 && completed.length + infeasible.length >= 2) {
          const fit = feasibilityModel(encoding, completed, infeasible, feasibilityState, createRng(seed, 'bayesian', 'feasibility-fit', history.length));
          feasibility = fit.process;
          feasibilityState = fit.state;
        }
        feasibilityFitted = true;
        return feasibility;
      };
      let objective: ObjectiveModel | undefined;
      let acquisition: AcquisitionModel | undefined;
      const chosen: Assignment[] = [];
      const fantasize = (process: GaussianProcess, assignment: Assignment) => {
        const x = encoding.encode(assignment);
        process.addObservation(x, process.predict(x).mean);
      };

      for (let slot = 0; slot < count; slot++) {
        const number = history.length + chosen.length;
        let assignment: Assignment | undefined;
        if (number < initialTrials || completed.length < 2) {
          assignment = designPoint(encoding, seed, accept, number >= initialTrials ? feasibilityProcess() : undefined);
        } else {
          if (!objective || !acquisition) {
            const sign = request.direction === 'maximize' ? -1 : 1;
            const rng = createRng(seed, 'bayesian', 'objective-fit', history.length);
            objective = objectiveModel(encoding, completed, sign, objectiveState, rng, pending.length + count);
            objectiveState = objective.state;
            for (const earlier of [...pending, ...chosen]) fantasize(objective.process, earlier);
            const constraint = feasibilityProcess();
            acquisition = { objective: objective.process, incumbent: objective.incumbent, ...(constraint ? { feasibility: constraint } : {}) };
          }
          const n = objective.process.size;
          const size = poolSize(largestPool, n, encoding.featureCount);
          const found = maximizeAcquisition({
            encoding,
            model: acquisition,
            seen,
            ...(feasible ? { feasible } : {}),
            halton: new ScrambledHalton(encoding.rawDimension, createRng(seed, 'bayesian', 'pool', number)),
            rng: createRng(seed, 'bayesian', 'local', number),
            anchors: objective.anchors,
            poolSize: size,
            perAnchor: Math.max(16, Math.min(64, Math.round(size / (4 * objective.anchors.length)))),
            starts: restarts,
            localIterations: n <= LOCAL_ITERATIONS.longFrom ? LOCAL_ITERATIONS.short : LOCAL_ITERATIONS.long,
          });
          assignment = found?.assignment ?? fallbackPoint(space, seed, number, accept);
        }
        if (!assignment) break;
        chosen.push(assignment);
        seen.add(assignmentKey(assignment));
        if (objective) fantasize(objective.process, assignment);
      }
      return {
        candidates: chosen.map((assignment) => ({ assignment })),
        state: { version: 1, objective: objectiveState, feasibility: feasibilityState },
        exhausted: chosen.length === 0 && count > 0,
      };
    },
  };
}
