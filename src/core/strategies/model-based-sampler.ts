/**
 * BOHB-style configuration sampling for the multi-fidelity strategies: new configurations
 * come from TPE fitted on the observations of the highest budget that has enough of them,
 * with a fixed share still drawn at random so regions the model writes off get revisited.
 * Until some budget has enough observations it proposes nothing and random sampling fills in.
 */
import { createRng } from '../random.js';
import type { ConfigurationSampler } from './hyperband.js';
import type { Observation } from './strategy.js';
import { tpeStrategy, type TpeOptions } from './tpe.js';

export interface ModelBasedSamplerOptions {
  /** Completed observations a budget needs before its model is used (default: parameters + 2). */
  readonly minPoints?: number;
  /** Share of new configurations still drawn at random (default 1/3). */
  readonly randomFraction?: number;
  readonly tpe?: Omit<TpeOptions, 'startupTrials'>;
}

export function modelBasedSampler(options: ModelBasedSamplerOptions = {}): ConfigurationSampler {
  const randomFraction = options.randomFraction ?? 1 / 3;
  if (!(randomFraction >= 0 && randomFraction <= 1)) throw new RangeError('randomFraction must lie in [0, 1]');
  const tpe = tpeStrategy({ ...options.tpe, startupTrials: 0 });
  return (request) => {
    const minPoints = options.minPoints ?? request.space.parameters.length + 2;
    const byBudget = new Map<number, Observation[]>();
    for (const o of request.history) {
      if (o.outcome !== 'completed' || o.value === undefined || !Number.isFinite(o.value)) continue;
      const budget = o.fidelity ?? Infinity;
      byBudget.set(budget, [...(byBudget.get(budget) ?? []), o]);
    }
    const budget = [...byBudget.keys()].sort((a, b) => b - a).find((b) => (byBudget.get(b)?.length ?? 0) >= minPoints);
    if (budget === undefined) return [];
    // Seeded by how much history there is, so a resumed search draws the same share.
    const rng = createRng(request.seed, 'model-based-sampler', request.history.length);
    let modelled = 0;
    for (let i = 0; i < request.count; i++) if (rng.next() >= randomFraction) modelled++;
    if (modelled === 0) return [];
    const pending = request.history.filter((o) => o.outcome === 'pending');
    const observed = (byBudget.get(budget) ?? []).map(({ fidelity: _fidelity, ...o }) => o);
    return tpe.propose({ ...request, history: [...observed, ...pending], state: null, count: modelled }).candidates.map((c) => c.assignment);
  };
}
