/**
 * Estimated cloud cost of a trial from how long it ran and where: Lambda GB-seconds plus
 * the request, or GPU instance time (with ECS Managed Instances' fee and a minimum billed
 * span). Prices and sizes come from config/cloud.json; this module only does arithmetic.
 */

export interface CloudProfile {
  readonly trainer: {
    readonly lambda: { readonly memoryMb: number };
    readonly gpu: { readonly instanceType: string };
  };
  readonly prices: {
    readonly lambda: { readonly gbSecondUsd: number; readonly requestUsd: number };
    readonly gpu: { readonly instanceHourUsd: number; readonly managementHourUsd: number; readonly minimumBilledSeconds: number };
  };
}

export type ComputeTarget = 'lambda' | 'gpu';

export interface CostEstimate {
  readonly usd: number;
  /** How the figure was reached, for people. */
  readonly basis: string;
}

/** Cost of running for `durationMs` on the given compute target. */
export function estimateRunCost(profile: CloudProfile, target: ComputeTarget, durationMs: number): CostEstimate {
  const seconds = Math.max(0, durationMs) / 1000;
  if (target === 'lambda') {
    const { memoryMb } = profile.trainer.lambda;
    const { gbSecondUsd, requestUsd } = profile.prices.lambda;
    const gbSeconds = (memoryMb / 1024) * Math.ceil(seconds * 1000) / 1000;
    return { usd: gbSeconds * gbSecondUsd + requestUsd, basis: `Lambda ${memoryMb} MB x ${seconds.toFixed(1)} s` };
  }
  const { instanceHourUsd, managementHourUsd, minimumBilledSeconds } = profile.prices.gpu;
  const billed = Math.max(seconds, minimumBilledSeconds);
  return {
    usd: (billed / 3600) * (instanceHourUsd + managementHourUsd),
    basis: `${profile.trainer.gpu.instanceType} x ${billed.toFixed(0)} s`,
  };
}
