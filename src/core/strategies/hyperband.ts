/**
 * Hyperband: successive halving in brackets that trade many short trials for few long
 * ones, with epochs as the budget, handed out one trial at a time to parallel lanes. Also holds
 * the pieces ASHA shares (rung ladder, trial matching, ranking, configuration drawing).
 */
import type { Direction } from '../metrics/names.js';
import { createRng, hashString } from '../random.js';
import { assignmentKey, assignmentProblems, sampleAssignment, type Assignment } from '../space/space.js';
import { paretoRanking } from './pareto.js';
import type { Candidate, Observation, Proposal, ProposeRequest, Strategy } from './strategy.js';

/**
 * Draws fresh configurations (a BOHB-style model-based sampler plugs in here). It gets the
 * request with `count` = how many are wanted, `state` undefined, and the history extended
 * by this call's proposals as pending trials; points it returns that are invalid, already
 * tried or infeasible are dropped, and any shortfall is filled by seeded random sampling.
 */
export type ConfigurationSampler = (request: ProposeRequest<unknown>) => readonly Assignment[];

/** Options both multi-fidelity strategies read. */
export interface MultiFidelityOptions {
  /** η: each rung keeps the best 1/η and trains η times longer (an integer ≥ 2; default 3). */
  readonly reductionFactor?: number;
  /** Epochs of the lowest rung; overrides `request.fidelity.min` (default 1 without either). */
  readonly minEpochs?: number;
  /** Epochs of the highest rung; overrides `request.fidelity.max`, one of which is required. */
  readonly maxEpochs?: number;
  /** Where new configurations come from; seeded uniform sampling by default. */
  readonly sampler?: ConfigurationSampler;
}

/** Hyperband's options. */
export interface HyperbandOptions extends MultiFidelityOptions {
  /** After the last bracket, start again with the first instead of reporting exhaustion. */
  readonly loop?: boolean;
}

/** One rung of a bracket: how many configurations train there, and for how many epochs. */
export interface RungPlan {
  readonly configurations: number;
  readonly fidelity: number;
}

/** One Hyperband bracket: `s` halvings, rungs from the lowest fidelity up. */
export interface BracketPlan {
  readonly s: number;
  readonly rungs: readonly RungPlan[];
}

/**
 * The epochs of each rung, lowest first: `max / η^k` rounded, for as many rungs as fit
 * above `min` (s_max + 1 of them); the top rung is always `max`.
 */
export function rungFidelities(min: number, max: number, eta: number): number[] {
  let sMax = 0;
  while (min * eta ** (sMax + 1) <= max) sMax++;
  return Array.from({ length: sMax + 1 }, (_, k) => Math.max(min, Math.round(max / eta ** (sMax - k))));
}

/**
 * Hyperband's brackets, most exploratory first (the paper's table): bracket `s` starts
 * `ceil((s_max + 1) η^s / (s + 1))` configurations at `max η^-s` epochs and keeps
 * `floor(n η^-i)` of them at rung `i`.
 */
export function hyperbandSchedule(min: number, max: number, eta: number): BracketPlan[] {
  const ladder = rungFidelities(min, max, eta);
  const sMax = ladder.length - 1;
  const brackets: BracketPlan[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) * eta ** s) / (s + 1));
    const rungs = Array.from({ length: s + 1 }, (_, i) => ({ configurations: Math.floor(n / eta ** i), fidelity: ladder[sMax - s + i] as number }));
    brackets.push({ s, rungs });
  }
  return brackets;
}

/**
 * A trial a multi-fidelity strategy started, as kept in its state: the trial number it
 * expects (`n`), the hash of its configuration's key (`h`, to find it if numbering differs),
 * its rung (`r`), and the trial whose configuration it promotes (`p`).
 */
export interface Job {
  readonly n: number;
  readonly h: number;
  readonly r: number;
  readonly p?: number;
}

/** The settings of a multi-fidelity search, fixed on its first proposal and kept in its state. */
export interface Ladder {
  readonly eta: number;
  readonly min: number;
  readonly max: number;
}

/** Check the options shared by Hyperband and ASHA; throws RangeError on a bad value. */
export function checkMultiFidelityOptions(name: string, options: MultiFidelityOptions): void {
  const eta = options.reductionFactor;
  if (eta !== undefined && !(Number.isInteger(eta) && eta >= 2)) throw new RangeError(`${name}: reductionFactor must be an integer of at least 2, not ${String(eta)}`);
  for (const key of ['minEpochs', 'maxEpochs'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name}: ${key} must be a positive integer, not ${String(value)}`);
  }
  if (options.sampler !== undefined && typeof options.sampler !== 'function') throw new RangeError(`${name}: sampler must be a function`);
}

/** The ladder a search uses: options first, then the request's fidelity range. */
export function resolveLadder(name: string, options: MultiFidelityOptions, request: ProposeRequest<unknown>): Ladder {
  const max = options.maxEpochs ?? request.fidelity?.max;
  if (max === undefined) throw new RangeError(`${name} needs a fidelity range: pass request.fidelity or the maxEpochs option`);
  const min = Math.min(options.minEpochs ?? request.fidelity?.min ?? 1, max);
  if (!(Number.isInteger(max) && max >= 1 && Number.isInteger(min) && min >= 1)) {
    throw new RangeError(`${name}: the fidelity range must be whole epochs of at least 1, not [${min}, ${max}]`);
  }
  return { eta: options.reductionFactor ?? 3, min, max };
}

/** What a strategy needs to look trials up in the history. */
export interface HistoryIndex {
  readonly byNumber: ReadonlyMap<number, Observation>;
  /** This search's (non-prior) trials by configuration hash and fidelity. */
  readonly byHashAt: ReadonlyMap<string, Observation>;
  /** Keys of every configuration in the history (at any fidelity), plus those drawn in this call. */
  readonly keys: Set<string>;
  /** `key@fidelity` of every trial in the history. */
  readonly keysAt: ReadonlySet<string>;
  /** The number the next proposed trial will get: one past the largest (priors are negative). */
  readonly nextNumber: number;
  /** Fidelity of a trial recorded without one. */
  readonly max: number;
}

/** The hash a {@link Job} keeps of its configuration. */
export function configurationHash(assignment: Assignment): number {
  return hashString(assignmentKey(assignment));
}

/** Index the history once per proposal. */
export function indexHistory(history: readonly Observation[], max: number): HistoryIndex {
  const byNumber = new Map<number, Observation>();
  const byHashAt = new Map<string, Observation>();
  const keys = new Set<string>();
  const keysAt = new Set<string>();
  let nextNumber = 0;
  for (const o of history) {
    const key = assignmentKey(o.assignment);
    const fidelity = o.fidelity ?? max;
    keys.add(key);
    keysAt.add(`${key}@${fidelity}`);
    if (o.prior) continue;
    byNumber.set(o.number, o);
    byHashAt.set(`${hashString(key)}@${fidelity}`, o);
    nextNumber = Math.max(nextNumber, o.number + 1);
  }
  return { byNumber, byHashAt, keys, keysAt, nextNumber, max };
}

/**
 * The observation of a job started in an earlier call: the trial with the expected number
 * if it holds the same configuration, else this search's trial of that configuration at
 * that fidelity; undefined if the trial never reached the history (it counts as lost).
 */
export function locate(job: Job, fidelity: number, index: HistoryIndex): Observation | undefined {
  const o = index.byNumber.get(job.n);
  if (o && (o.fidelity === undefined || o.fidelity === fidelity) && configurationHash(o.assignment) === job.h) return o;
  return index.byHashAt.get(`${job.h}@${fidelity}`);
}

/** The objectives to rank by: several (Pareto) when `directions` has more than one. */
function objectives(request: ProposeRequest<unknown>): { direction: Direction; directions?: readonly Direction[] } {
  const { directions } = request;
  return directions && directions.length > 1 ? { direction: request.direction, directions } : { direction: request.direction };
}

/** True for a completed trial with finite values for every objective: one that can be ranked and promoted. */
export function rankable(o: Observation, request: ProposeRequest<unknown>): boolean {
  if (o.outcome !== 'completed') return false;
  const { directions } = objectives(request);
  if (directions) return o.values !== undefined && o.values.length === directions.length && o.values.every(Number.isFinite);
  return o.value !== undefined && Number.isFinite(o.value);
}

/**
 * Rankable observations, best first: by `value` in `direction` (ties by trial number), or
 * by {@link paretoRanking} on `values` when there are several objectives. Failed, pruned,
 * infeasible and pending trials are left out, so they are never promoted.
 */
export function rankBest(observations: readonly Observation[], request: ProposeRequest<unknown>): Observation[] {
  const ranked = observations.filter((o) => rankable(o, request));
  const { direction, directions } = objectives(request);
  if (directions) {
    return paretoRanking(
      ranked.map((o) => o.values as readonly number[]),
      directions,
    ).map((i) => ranked[i] as Observation);
  }
  const sign = direction === 'maximize' ? -1 : 1;
  return ranked.sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.number - b.number);
}

/** Redraws of a repeated or infeasible random configuration before the space counts as used up. */
const MAX_REDRAWS = 64;

/**
 * Up to `need` new configurations: never seen in the history or drawn before in this call
 * (`index.keys` grows), inside the space, feasible. The plugged-in sampler is asked first;
 * seeded random sampling (stream `purpose`, configuration number `sampled`) fills the rest.
 * Returns fewer when the space yields no more, and the advanced `sampled` counter.
 */
export function drawConfigurations(
  request: ProposeRequest<unknown>,
  need: number,
  index: HistoryIndex,
  pending: readonly Observation[],
  purpose: string,
  sampled: number,
  sampler: ConfigurationSampler | undefined,
): { assignments: Assignment[]; sampled: number } {
  const assignments: Assignment[] = [];
  const accept = (a: Assignment): boolean => {
    const key = assignmentKey(a);
    if (index.keys.has(key) || !(request.feasible?.(a) ?? true)) return false;
    index.keys.add(key);
    assignments.push(a);
    return true;
  };
  if (sampler && need > 0) {
    const offered = sampler({ ...request, state: undefined, count: need, history: [...request.history, ...pending] });
    for (const a of offered) {
      if (assignments.length >= need) break;
      if (assignmentProblems(request.space, a).length === 0) accept(a);
    }
  }
  while (assignments.length < need) {
    let found = false;
    for (let attempt = 0; attempt < MAX_REDRAWS && !found; attempt++) {
      found = accept(sampleAssignment(request.space, createRng(request.seed, purpose, sampled, attempt)));
    }
    if (!found) break;
    sampled++;
  }
  return { assignments, sampled };
}

/** Hyperband's stored state (plain JSON). */
export interface HyperbandState extends Ladder {
  /** Completed passes over all brackets (only with `loop`). */
  readonly pass: number;
  /** Index into {@link hyperbandSchedule}: 0 is the most exploratory bracket. */
  readonly bracket: number;
  readonly rung: number;
  /** Trials (of the rung below) whose configurations make up this rung; empty on rung 0. */
  readonly members: readonly number[];
  /** This rung's trials, in the order they were proposed. */
  readonly jobs: readonly Job[];
  /** Random configurations drawn so far (numbers the sampling streams). */
  readonly sampled: number;
  /** Rung 0 closed early: the space had no fresh feasible configuration left. */
  readonly drained: boolean;
  /** The last bracket is finished (or the space is used up). */
  readonly done: boolean;
}

/** The state while a proposal is being worked out. */
type Working = { -readonly [K in keyof HyperbandState]: HyperbandState[K] } & { members: number[]; jobs: Job[] };

/**
 * Hyperband with brackets run one after another and successive halving inside each.
 * Each call proposes as many of the current rung's trials as `count` allows; while any of
 * the rung's trials is pending it proposes nothing more (and is not exhausted); once all
 * are done it promotes the best 1/η of the rung (at least one) to the next, each promotion
 * naming the trial it continues. Exhausted after the last bracket unless `loop` is set.
 */
export function hyperbandStrategy(options: HyperbandOptions = {}): Strategy<HyperbandState> {
  checkMultiFidelityOptions('hyperband', options);
  const loop = options.loop === true;
  return {
    name: 'hyperband',
    propose(request: ProposeRequest<HyperbandState>): Proposal<HyperbandState> {
      const given = request.state;
      const w: Working = given
        ? { ...given, members: [...given.members], jobs: [...given.jobs] }
        : { ...resolveLadder('hyperband', options, request), pass: 0, bracket: 0, rung: 0, members: [], jobs: [], sampled: 0, drained: false, done: false };
      const schedule = hyperbandSchedule(w.min, w.max, w.eta);
      const index = indexHistory(request.history, w.max);
      const candidates: Candidate[] = [];
      const pending: Observation[] = [];
      let fresh = w.jobs.length;
      const start = (assignment: Assignment, fidelity: number, promotes?: number): void => {
        const n = index.nextNumber + candidates.length;
        w.jobs.push({ n, h: configurationHash(assignment), r: w.rung, ...(promotes === undefined ? {} : { p: promotes }) });
        candidates.push({ assignment, fidelity, ...(promotes === undefined ? {} : { promotes }) });
        pending.push({ number: n, assignment, outcome: 'pending', fidelity });
      };
      const nextRung = (members: number[]): void => {
        w.members = members;
        w.jobs = [];
        fresh = 0;
      };

      while (!w.done && candidates.length < request.count) {
        const bracket = schedule[w.bracket] as BracketPlan;
        const rung = bracket.rungs[w.rung] as RungPlan;
        const room = request.count - candidates.length;
        const current = w.jobs;
        if (w.rung === 0 && !w.drained && current.length < rung.configurations) {
          const need = Math.min(room, rung.configurations - current.length);
          const drawn = drawConfigurations(request, need, index, pending, 'hyperband', w.sampled, options.sampler);
          w.sampled = drawn.sampled;
          if (drawn.assignments.length < need) w.drained = true;
          for (const a of drawn.assignments) start(a, rung.fidelity);
          continue;
        }
        if (w.rung > 0 && current.length < w.members.length) {
          for (const member of w.members.slice(current.length, current.length + room)) {
            const o = index.byNumber.get(member);
            if (o) start(o.assignment, rung.fidelity, member);
            else current.push({ n: -1, h: 0, r: w.rung, p: member }); // vanished from the history: lost
          }
          continue;
        }
        // Every trial of the rung is started: wait for this call's and any pending ones.
        if (fresh < current.length) break;
        const observed = current.map((job) => locate(job, rung.fidelity, index));
        if (observed.some((o) => o?.outcome === 'pending')) break;
        const above = bracket.rungs[w.rung + 1];
        if (above) {
          const keep = Math.max(1, Math.floor(current.length / w.eta));
          const promoted = rankBest(
            observed.filter((o): o is Observation => o !== undefined),
            request,
          )
            .filter((o) => (request.feasible?.(o.assignment) ?? true) && !index.keysAt.has(`${assignmentKey(o.assignment)}@${above.fidelity}`))
            .slice(0, keep);
          if (promoted.length > 0) {
            w.rung++;
            nextRung(promoted.map((o) => o.number));
            continue;
          }
        }
        // The bracket is over. A lowest rung that could start nothing means the space is used up.
        if (w.rung === 0 && current.length === 0) {
          w.done = true;
          break;
        }
        w.bracket++;
        if (w.bracket >= schedule.length) {
          if (!loop) {
            w.done = true;
            break;
          }
          w.pass++;
          w.bracket = 0;
        }
        w.rung = 0;
        w.drained = false;
        nextRung([]);
      }
      return { candidates, state: w, exhausted: w.done };
    },
  };
}
