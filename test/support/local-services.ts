/**
 * The use cases' services on the embedded store, for tests: a fresh temporary folder, the
 * local store opened in it (dynalite metadata, artifacts on disk, the JSON-lines event
 * log), datasets from the example folder, and optionally a tfjs backend to train on.
 */
import type { Services } from '../../src/app/services.js';
import { LocalDatasetSource } from '../../src/adapters/filesystem/dataset-source.js';
import type { BackendPreference } from '../../src/runtime/backend.js';
import { openLocalStore, type LocalStore } from '../../src/runtime/local/store.js';
import { assembleServices } from '../../src/runtime/services.js';
import { DATASETS, tempDir } from '../helpers.js';

export interface LocalTestServices {
  /** The temporary folder the store lives in. */
  readonly home: string;
  readonly store: LocalStore;
  readonly services: Services;
  /** Close the store and remove the folder. */
  close(): Promise<void>;
}

export interface LocalTestOptions {
  /** The tfjs backend to start for training; without it none is started and services name `cpu`. */
  readonly backend?: BackendPreference;
  /** The services' clock (default: the real one). */
  readonly clock?: () => Date;
  /** Set up the folder before the store opens in it. */
  readonly prepare?: (home: string) => Promise<void>;
}

/** Open the embedded store in a new temporary folder and assemble the services on it. */
export async function localTestServices(options: LocalTestOptions = {}): Promise<LocalTestServices> {
  const home = await tempDir();
  await options.prepare?.(home.path);
  const store = await openLocalStore(home.path);
  let backend = 'cpu';
  if (options.backend) {
    // Imported only here, so tests that train nothing do not load tfjs.
    const { initBackend } = await import('../../src/runtime/backend.js');
    backend = (await initBackend(options.backend)).name;
  }
  const services = assembleServices({
    metadata: store.metadata,
    artifacts: store.artifacts,
    events: store.events,
    datasets: new LocalDatasetSource([DATASETS]),
    backend,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    home: home.path,
    store,
    services,
    close: async () => {
      await store.close();
      await home.cleanup();
    },
  };
}
