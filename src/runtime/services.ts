/**
 * Assembling the {@link Services} bundle from adapters: the real clock, a monotonic timer,
 * the cloud profile and a fresh cache are the same wherever the use cases run.
 */
import { performance } from 'node:perf_hooks';
import { CLOUD_PROFILE } from '../app/cloud-profile.js';
import type { Services } from '../app/services.js';

export type ServiceAdapters = Pick<Services, 'metadata' | 'artifacts' | 'events' | 'datasets' | 'backend'> & Partial<Services>;

/** Services with the process clock, `performance.now`, the cloud profile and an empty cache. */
export function assembleServices(adapters: ServiceAdapters): Services {
  return {
    clock: () => new Date(),
    monotonic: () => performance.now(),
    cloud: CLOUD_PROFILE,
    cache: new Map(),
    ...adapters,
  };
}
