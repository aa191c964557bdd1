/**
 * What the search use cases need from the outside world, as one injectable bundle: the
 * ports, a clock, and per-process caches. Lambda handlers, the container entrypoint and
 * the local workers each build one of these from their own adapters.
 */
import type { CloudProfile } from '../core/cost.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { DatasetSource } from '../ports/dataset-source.js';
import type { EventBus } from '../ports/event-bus.js';
import type { MetadataStore } from '../ports/metadata-store.js';

export interface Services {
  readonly metadata: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly events: EventBus;
  readonly datasets: DatasetSource;
  /** Wall-clock time, for records. */
  readonly clock: () => Date;
  /** A monotonic millisecond counter, for durations and latency. */
  readonly monotonic: () => number;
  /** Which training backend this process runs ("wasm", "tensorflow", "cpu"). */
  readonly backend: string;
  /** Per-process memo of loaded search contexts (datasets, plans, encoded folds). */
  readonly cache: Map<string, unknown>;
  /** Cloud sizes and list prices, for cost estimates (config/cloud.json). */
  readonly cloud: CloudProfile;
}

/** The current time as an ISO string. */
export function nowIso(services: Pick<Services, 'clock'>): string {
  return services.clock().toISOString();
}
